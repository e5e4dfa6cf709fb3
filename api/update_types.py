"""The update a subscription (and a webhook) reports: its kinds and its GraphQL shape."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeAlias

import strawberry
from sqlmodel import select

from api.entity import EmailContext, email_context
from api.enums import describe_values
from api.loaders import Loaders
from api.recipients import Recipient
from api.subscriber import Snapshot
from api.types import MailAccount, OutboundEmail
from domain import records
from domain.events import ACCOUNT_KINDS, EventKind
from domain.notify import Committed
from domain.records import OutboundEmailEvent
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
