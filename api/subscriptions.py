"""`outboundEmailUpdates`: watch emails move, live, with replay from a cursor."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from enum import Enum

import strawberry
from graphql import GraphQLError
from sqlmodel import select

from api.context import LiveContext
from api.entity import EmailContext, email_context
from api.inputs import OutboundEmailFilter, parse_id
from api.live import FellBehind, Hub, Snapshot
from api.loaders import Loaders
from api.queries import filter_predicate
from api.recipients import Recipient
from api.types import MailAccount, OutboundEmail
from domain import records
from domain.errors import DomainError
from domain.events import ACCOUNT_KINDS, EventKind
from domain.notify import Committed
from domain.records import OutboundEmailEvent, utcnow
from domain.seqset import SeqSet


@strawberry.enum(description="What kind of change an update reports.")
class OutboundEmailUpdateKind(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    STATUS_CHANGED = "STATUS_CHANGED"
    SEND_PROGRESS = "SEND_PROGRESS"
    SENT_COPY_LINKED = "SENT_COPY_LINKED"
    DELIVERY_STATUS_CHANGED = "DELIVERY_STATUS_CHANGED"
    BOUNCE_DETECTED = "BOUNCE_DETECTED"
    REPLY_LINKED = "REPLY_LINKED"
    AUTO_REPLY_LINKED = "AUTO_REPLY_LINKED"
    RECIPIENT_UPDATED = strawberry.enum_value(
        "RECIPIENT_UPDATED", description="One recipient's delivery state changed; it is in `recipient`."
    )
    ACCOUNT_NEEDS_REAUTH = strawberry.enum_value(
        "ACCOUNT_NEEDS_REAUTH", description="The account must be reconnected; its PENDING emails wait meanwhile."
    )
    ACCOUNT_RECONNECTED = strawberry.enum_value(
        "ACCOUNT_RECONNECTED", description="The account was reconnected; the emails that waited for it resume."
    )
    ACCOUNT_WATCH_EXPIRING = strawberry.enum_value(
        "ACCOUNT_WATCH_EXPIRING",
        description="The account's Gmail watch could not be renewed and expires soon (then replies and bounces stop).",
    )
    ACCOUNT_SENDER_WARNING = strawberry.enum_value(
        "ACCOUNT_SENDER_WARNING", description="A bounce blamed the sender (reputation, authentication, blocked)."
    )
    ACCOUNT_UPDATED = strawberry.enum_value(
        "ACCOUNT_UPDATED", description="An account setting changed (daily cap, sender warning acknowledged)."
    )


KINDS: dict[str, OutboundEmailUpdateKind] = {
    EventKind.CREATED: OutboundEmailUpdateKind.CREATED,
    EventKind.UPDATED: OutboundEmailUpdateKind.UPDATED,
    EventKind.SCHEDULED: OutboundEmailUpdateKind.UPDATED,
    EventKind.UNSCHEDULED: OutboundEmailUpdateKind.UPDATED,
    EventKind.DELETED: OutboundEmailUpdateKind.DELETED,
    EventKind.QUEUED: OutboundEmailUpdateKind.STATUS_CHANGED,
    EventKind.SENT: OutboundEmailUpdateKind.STATUS_CHANGED,
    EventKind.FAILED: OutboundEmailUpdateKind.STATUS_CHANGED,
    EventKind.ATTEMPT: OutboundEmailUpdateKind.SEND_PROGRESS,
    EventKind.RATE_LIMITED: OutboundEmailUpdateKind.SEND_PROGRESS,
    EventKind.RETRIED: OutboundEmailUpdateKind.SEND_PROGRESS,
    EventKind.SENT_COPY_LINKED: OutboundEmailUpdateKind.SENT_COPY_LINKED,
    EventKind.DELIVERY_STATUS_CHANGED: OutboundEmailUpdateKind.DELIVERY_STATUS_CHANGED,
    EventKind.BOUNCE_DETECTED: OutboundEmailUpdateKind.BOUNCE_DETECTED,
    EventKind.REPLY_LINKED: OutboundEmailUpdateKind.REPLY_LINKED,
    EventKind.AUTO_REPLY_LINKED: OutboundEmailUpdateKind.AUTO_REPLY_LINKED,
    EventKind.RECIPIENT_UPDATED: OutboundEmailUpdateKind.RECIPIENT_UPDATED,
    EventKind.BOUNCE_UNLINKED: OutboundEmailUpdateKind.DELIVERY_STATUS_CHANGED,
    EventKind.CANCELLED: OutboundEmailUpdateKind.STATUS_CHANGED,
    EventKind.WAITING: OutboundEmailUpdateKind.SEND_PROGRESS,
    EventKind.ACCOUNT_NEEDS_REAUTH: OutboundEmailUpdateKind.ACCOUNT_NEEDS_REAUTH,
    EventKind.ACCOUNT_RECONNECTED: OutboundEmailUpdateKind.ACCOUNT_RECONNECTED,
    EventKind.ACCOUNT_WATCH_EXPIRING: OutboundEmailUpdateKind.ACCOUNT_WATCH_EXPIRING,
    EventKind.ACCOUNT_SENDER_WARNING: OutboundEmailUpdateKind.ACCOUNT_SENDER_WARNING,
    EventKind.ACCOUNT_UPDATED: OutboundEmailUpdateKind.ACCOUNT_UPDATED,
}


@strawberry.type(
    description=(
        "One change to an email, with the email as it is now; or (kinds ACCOUNT_*) a change to a mail account, "
        "with the account as it is now and a null outboundEmail."
    )
)
class OutboundEmailUpdate:
    kind: OutboundEmailUpdateKind
    event: str = strawberry.field(description="The audit event behind the update (e.g. queued, sent, failed).")
    cursor: str = strawberry.field(description="Pass as `since` when resubscribing to miss nothing.")
    at: datetime
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


@strawberry.type
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
        id: strawberry.ID | None = None,
        filter: OutboundEmailFilter | None = None,
        since: str | None = None,
    ) -> AsyncGenerator[OutboundEmailUpdate]:
        context = info.context
        organization_id = getattr(context, "organization_id", None)
        if not isinstance(context, LiveContext) or organization_id is None:
            raise client_error("UNAUTHENTICATED", "subscriptions need a bearer token in connection_init")
        try:
            email_id = parse_id(id, "id") if id is not None else None
            test = filter_predicate(organization_id, filter)
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
        last_cursor = since or ""
        page_max = context.settings.page_size_max

        with hub.subscribe(organization_id, email_id) as subscriber:
            if known is not None:
                async for row, snapshot in hub.replay(organization_id, email_id, known):
                    known.add(row.seq or 0)
                    event = Committed(row.seq or 0, row.organization_id, row.email_id, row.kind, row.at)
                    if (
                        account_wanted(event, email_id, account)
                        if row.kind in ACCOUNT_KINDS
                        else wanted(snapshot, email_id, filter is None, test)
                    ):
                        last_cursor = known.encode()
                        async with sessions() as session:
                            yield make_update(event, last_cursor, snapshot, Loaders(session, organization_id), page_max)
            recheck = context.settings.token_cache_seconds
            checked = time.monotonic()
            while True:
                if time.monotonic() - checked >= recheck:
                    if await context.services.authenticator.authenticate(context.token) is None:
                        raise client_error("UNAUTHENTICATED", "the token of this connection was revoked")
                    checked = time.monotonic()
                try:
                    async with asyncio.timeout(max(0.01, recheck - (time.monotonic() - checked))):
                        note = await subscriber.next()
                except TimeoutError:
                    continue  # nothing happened: time to look at the token again
                except FellBehind:
                    raise client_error(
                        "RESUBSCRIBE",
                        "this subscription fell too far behind; resubscribe with `since` set to the last cursor",
                        since=last_cursor,
                    ) from None
                if known is not None:
                    if note.event.seq in known:
                        continue  # already replayed
                    known.update(note.seen)
                    cursor = known.encode()
                else:
                    cursor = note.cursor
                if note.event.kind in ACCOUNT_KINDS:  # an account's change: no email to read
                    if account_wanted(note.event, email_id, account):
                        last_cursor = cursor
                        async with sessions() as session:
                            loaders = Loaders(session, organization_id)
                            yield make_update(note.event, cursor, Snapshot(None, None), loaders, page_max)
                    continue
                snapshot = await hub.snapshot(note.event)
                if not wanted(snapshot, email_id, filter is None, test):
                    continue
                last_cursor = cursor
                async with sessions() as session:
                    yield make_update(note.event, cursor, snapshot, Loaders(session, organization_id), page_max)


def wanted(
    snapshot: Snapshot, email_id: uuid.UUID | None, everything: bool, test: Callable[[records.OutboundEmail], bool]
) -> bool:
    if snapshot.email is None:  # a deleted draft: only those watching it (or everything) hear of it
        return email_id is not None or everything
    return test(snapshot.email)


def account_wanted(event: Committed, email_id: uuid.UUID | None, account: uuid.UUID | None) -> bool:
    """Account-level updates go to subscriptions over the organization (narrowed by filter.accountId),
    and to one that names the account's id as its `id`."""
    if email_id is not None:
        return event.email_id == email_id
    return account is None or account == event.email_id


def make_update(
    event: Committed, cursor: str, snapshot: Snapshot, loaders: Loaders, page_max: int = 100
) -> OutboundEmailUpdate:
    if snapshot.account is not None:
        loaders.account_by_id.prime(snapshot.account.id, snapshot.account)
    return OutboundEmailUpdate(
        kind=KINDS.get(event.kind, OutboundEmailUpdateKind.UPDATED),
        event=event.kind,
        cursor=cursor,
        at=event.at or (snapshot.email.updated_at if snapshot.email else utcnow()),
        email_id=strawberry.ID(str(event.email_id)),
        outbound_email=OutboundEmail.from_row(snapshot.email, loaders) if snapshot.email else None,
        seq=event.seq,
        organization_id=event.organization_id,
        loaders=loaders,
        page_max=page_max,
    )
