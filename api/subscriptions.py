"""`outboundEmailUpdates`: watch emails move, live, with replay from a cursor."""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.context import LiveContext
from api.fanout import current_sink, next_payload, resumed_subscriber
from api.inputs import OutboundEmailFilter, parse_id
from api.live import Hub
from api.live_auth import ensure_token_valid, next_token_check, token_check_due
from api.loaders import Loaders
from api.queries import filter_predicate
from api.restrict import contexts_of
from api.sharing import Delivery, SharingExecutor, render
from api.subscriber import Direct, FellBehind, Note, Snapshot, Subscriber
from api.update_types import OutboundEmailUpdate, make_update
from domain import records
from domain.errors import DomainError
from domain.events import ACCOUNT_KINDS
from domain.notify import Committed
from domain.seqset import SeqSet


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
