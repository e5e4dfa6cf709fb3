"""`outboundEmailUpdates`: watch emails move, live, with replay from a cursor."""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable
from datetime import datetime
from typing import Annotated, Any, TypeAlias

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.context import LiveContext
from api.entity import EmailContext, email_context
from api.enums import describe_values
from api.fanout import current_sink, next_payload, resumed_subscriber
from api.inputs import OutboundEmailFilter, parse_id
from api.live import Hub
from api.live_auth import ensure_token_valid, next_token_check, token_check_due
from api.loaders import Loaders
from api.queries import filter_predicate
from api.recipients import Recipient
from api.restrict import contexts_of
from api.sharing import Delivery, SharingExecutor, render
from api.subscriber import Direct, FellBehind, Note, Snapshot, Subscriber
from api.types import MailAccount, OutboundEmail
from domain import records
from domain.errors import DomainError
from domain.events import ACCOUNT_KINDS, EventKind
from domain.notify import Committed
from domain.records import OutboundEmailEvent
from domain.seqset import SeqSet
from domain.updates import DESCRIPTIONS as UPDATE_DESCRIPTIONS
from domain.updates import UpdateKind, build_update

strawberry.enum(UpdateKind, name="OutboundEmailUpdateKind", description="What kind of change an update reports.")
describe_values(UpdateKind, UPDATE_DESCRIPTIONS)
OutboundEmailUpdateKind: TypeAlias = UpdateKind
"""The domain's update kinds are the schema's enum: webhooks and subscriptions share one list."""


@strawberry.type(
    description=(
        "One change to an email, with the email as it is now; or (kinds ACCOUNT_*) a change to a mail account, "
        "with the account as it is now and a null outboundEmail."
    )
)
class OutboundEmailUpdate:
    kind: OutboundEmailUpdateKind = strawberry.field(description="What kind of change it is.")
    event: str = strawberry.field(description="The audit event behind the update (e.g. queued, sent, failed).")
    cursor: str = strawberry.field(description="Pass as `since` when resubscribing to miss nothing.")
    at: datetime = strawberry.field(description="When it happened (UTC).")
    email_id: strawberry.ID = strawberry.field(
        description="The email the update is about (for an ACCOUNT_* update: the mail account's id)."
    )
    outbound_email: OutboundEmail | None = strawberry.field(
        description="Null once a draft is deleted, and in ACCOUNT_* updates."
    )
    seq: strawberry.Private[int]
    organization_id: strawberry.Private[uuid.UUID]
    loaders: strawberry.Private[Loaders]
    page_max: strawberry.Private[int]

    @strawberry.field(description="RECIPIENT_UPDATED: the recipient as the change left it.")
    async def recipient(self) -> Recipient | None:
        if self.event != EventKind.RECIPIENT_UPDATED.value:
            return None
        rows = await self.loaders.fetch(
            select(OutboundEmailEvent).where(
                OutboundEmailEvent.seq == self.seq, OutboundEmailEvent.organization_id == self.organization_id
            )
        )
        return Recipient.from_event(rows[0].data, rows[0].email_id, self.loaders) if rows else None

    @strawberry.field(description="ACCOUNT_* updates: the mail account as it is now.")
    async def mail_account(self) -> MailAccount | None:
        if self.event not in ACCOUNT_KINDS:
            return None
        rows = await self.loaders.fetch(
            select(records.MailAccount).where(
                records.MailAccount.id == uuid.UUID(str(self.email_id)),
                records.MailAccount.organization_id == self.organization_id,
            )
        )
        return MailAccount.from_row(rows[0], self.loaders) if rows else None

    @strawberry.field(
        description="The story of the entity the email belongs to (its contextType/contextId), like emailContext."
    )
    def email_context(self) -> EmailContext | None:
        email = self.outbound_email.row if self.outbound_email is not None else None
        if email is None or email.context_type is None:
            return None
        return email_context(self.organization_id, email.context_type, email.context_id, self.loaders, self.page_max)


def client_error(code: str, message: str, **extra: object) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws); the token goes in connection_init.")
class Subscription:
    @strawberry.subscription(
        description=(
            "Changes to your emails as they happen: one email (`id`), or those matching `filter`. "
            "With `since` (the last cursor you saw) the missed updates are replayed first, "
            "with no gap and no duplicate. Per-recipient changes arrive as RECIPIENT_UPDATED. Account-level "
            "updates (ACCOUNT_*: needs re-authorisation, reconnected, watch expiring, sender warning, settings) "
            "arrive on every subscription without `id` whose filter does not name another accountId."
        )
    )
    async def outbound_email_updates(
        self,
        info: strawberry.Info[LiveContext, None],
        id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this email's updates.")] = None,
        filter: Annotated[
            OutboundEmailFilter | None, strawberry.argument(description="Only updates of emails matching it.")
        ] = None,
        since: Annotated[
            str | None,
            strawberry.argument(description="The last cursor you saw: the updates after it are replayed first."),
        ] = None,
    ) -> AsyncGenerator[OutboundEmailUpdate]:
        # What it really yields are `Delivery`s: api.sharing renders each into an OutboundEmailUpdate,
        # once for every subscriber that would get the same bytes.
        context = info.context
        organization_id = getattr(context, "organization_id", None)
        if not isinstance(context, LiveContext) or organization_id is None:
            raise client_error("UNAUTHENTICATED", "subscriptions need a bearer token in connection_init")
        try:
            email_id = parse_id(id, "id") if id is not None else None
            test = filter_predicate(organization_id, filter, contexts_of(context))
            account = parse_id(filter.account_id, "filter.accountId") if filter and filter.account_id else None
        except DomainError as error:
            raise client_error("INVALID_INPUT", error.message, field=error.field) from None
        known: SeqSet | None = None
        if since is not None:
            try:
                known = SeqSet.decode(since)
            except ValueError as error:
                raise client_error("INVALID_CURSOR", f"since: {error}") from None
        hub: Hub = await context.services.hub()
        if known is not None and known.top > await hub.max_seq():
            raise client_error(
                "INVALID_CURSOR",
                "since: this cursor names events that do not exist (was it issued by another or a reset database?)",
            )
        sessions = context.services.sessions
        # A context-restricted token hears only of emails it can read: never of a deleted draft.
        restricted = contexts_of(context) is not None
        watched, everything = (None, False) if restricted else (email_id, filter is None)
        page_max = context.settings.page_size_max

        def wants(event: Committed, snapshot: Snapshot) -> bool:
            if event.kind in ACCOUNT_KINDS:
                return account_wanted(event, watched, account, restricted)
            return wanted(snapshot, watched, everything, test)

        # Without a filter or a context restriction, `wants` depends on nothing but the organization
        # and the email watched: subscribers alike in those are asked once per event (api.live).
        selects = (organization_id, email_id) if filter is None and not restricted else None
        resumed: Subscriber | None = resumed_subscriber.get()  # a detached operation's new task
        if resumed is not None:
            subscriber = resumed
        else:
            # Resumed subscriptions (`since`) carry a cursor of their own: they keep the ordinary path.
            direct = (
                None if known is not None else direct_path(info, wants, sessions, organization_id, page_max, selects)
            )
            subscriber = hub.register(organization_id, email_id, direct)
        detached = False
        try:
            if resumed is None:
                subscriber.cursor = since or ""
                if known is not None:
                    async for row, snapshot in hub.replay(organization_id, email_id, known):
                        known.add(row.seq or 0)
                        event = Committed(row.seq or 0, row.organization_id, row.email_id, row.kind, row.at)
                        if (
                            account_wanted(event, watched, account, restricted)
                            if row.kind in ACCOUNT_KINDS
                            else wanted(snapshot, watched, everything, test)
                        ):
                            subscriber.cursor = known.encode()
                            yield delivery(sessions, event, subscriber.cursor, snapshot, organization_id, page_max)
                subscriber.check_due = token_check_due(context)
            while True:
                if time.monotonic() >= subscriber.check_due:
                    subscriber.busy = True  # no direct delivery while the token is being looked at
                    await ensure_token_valid(context)  # revoked or expired: a typed error ends it
                    subscriber.check_due = token_check_due(context)
                if subscriber.can_detach():
                    # The hub writes its updates from here: this task, its generators and Strawberry's
                    # contexts around them go (some 20 KB a subscription); one is started again when needed.
                    assert subscriber.direct is not None
                    detached = True
                    raise subscriber.direct.sink.detach(subscriber, hub, functools.partial(next_token_check, context))
                try:
                    note = await subscriber.next(until=max(subscriber.check_due, time.monotonic() + 0.01))
                except FellBehind:
                    raise client_error(
                        "RESUBSCRIBE",
                        "this subscription fell too far behind; resubscribe with `since` set to the last cursor",
                        since=subscriber.cursor,
                    ) from None
                if note is None:
                    continue  # nothing happened: time to look at the token again
                if known is not None:
                    if note.event.seq in known:
                        continue  # already replayed
                    known.update(note.seen)
                    cursor = known.encode()
                else:
                    cursor = note.cursor
                if note.event.kind in ACCOUNT_KINDS:  # an account's change: no email to read
                    snapshot = Snapshot(None, None)
                else:
                    snapshot = await hub.snapshot(note.event)
                if not wants(note.event, snapshot):
                    continue
                subscriber.cursor = cursor
                yield delivery(sessions, note.event, cursor, snapshot, organization_id, page_max)
        finally:
            if not detached:
                hub.unregister(subscriber)


def direct_path(
    info: strawberry.Info[LiveContext, None],
    wants: Callable[[Committed, Snapshot], bool],
    sessions: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID,
    page_max: int,
    selects: Hashable | None = None,
) -> Direct | None:
    """How the hub can write this subscription's updates itself (api.fanout), if it can."""
    sink = current_sink.get()
    executor = getattr(info._raw_info, "executor", None)  # api.sharing.SubscriptionInfo
    if sink is None or not isinstance(executor, SharingExecutor):
        return None
    executor.learn_document_key()
    key = executor.sharing_key
    if key is None:
        return None

    async def render_payload(note: Note, snapshot: Snapshot) -> str | None:
        made = delivery(sessions, note.event, note.cursor, snapshot, organization_id, page_max)
        return next_payload(await render(executor, made))

    return Direct(sink, key, wants, render_payload, selects)


def wanted(
    snapshot: Snapshot, email_id: uuid.UUID | None, everything: bool, test: Callable[[records.OutboundEmail], bool]
) -> bool:
    if snapshot.email is None:  # a deleted draft: only those watching it (or everything) hear of it
        return email_id is not None or everything
    return test(snapshot.email)


def delivery(
    sessions: async_sessionmaker[AsyncSession],
    event: Committed,
    cursor: str,
    snapshot: Snapshot,
    organization_id: uuid.UUID,
    page_max: int,
) -> Any:
    """The update `event` makes, to be rendered by api.sharing (typed `Any`: the field's type is the update)."""

    @contextlib.asynccontextmanager
    async def root() -> AsyncIterator[OutboundEmailUpdate]:
        async with sessions() as session:  # nested fields (account, events...) load through it
            yield make_update(event, cursor, snapshot, Loaders(session, organization_id), page_max)

    return Delivery((event.seq, cursor), snapshot.rendered, root)


def account_wanted(event: Committed, email_id: uuid.UUID | None, account: uuid.UUID | None, restricted: bool) -> bool:
    """Account-level updates go to subscriptions over the organization (narrowed by filter.accountId),
    and to one that names the account's id as its `id`; never to a context-restricted token."""
    if restricted:
        return False
    if email_id is not None:
        return event.email_id == email_id
    return account is None or account == event.email_id


def make_update(
    event: Committed, cursor: str, snapshot: Snapshot, loaders: Loaders, page_max: int = 100
) -> OutboundEmailUpdate:
    """The GraphQL shape of the update `domain.updates.build_update` makes (webhooks share it)."""
    if snapshot.account is not None:
        loaders.account_by_id.prime(snapshot.account.id, snapshot.account)
    update = build_update(event.kind, event.email_id, event.at, cursor, snapshot.email, snapshot.account)
    return OutboundEmailUpdate(
        kind=update.kind,
        event=update.event,
        cursor=update.cursor,
        at=update.at,
        email_id=strawberry.ID(str(update.email_id)),
        outbound_email=OutboundEmail.from_row(update.email, loaders) if update.email else None,
        seq=event.seq,
        organization_id=event.organization_id,
        loaders=loaders,
        page_max=page_max,
    )
