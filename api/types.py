"""GraphQL object types: shapes for clients, converted from rows, never the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from api.account_types import MailAccount, MailAccountKind, MailAccountState
from api.bounce_types import BounceDetails, BouncedRecipient, known
from api.content_types import RenderedFrom
from api.context import Context
from api.counting import Count
from api.loaders import Loaders
from api.recipients import Recipient
from domain import records
from domain.ledger.signals import strongest_failures

Info = strawberry.Info[Context, None]
__all__ = [
    "BounceDetails",
    "BouncedRecipient",
    "DeliveryStatus",
    "EmailMessage",
    "MailAccount",
    "MailAccountKind",
    "MailAccountState",
    "OutboundEmail",
    "OutboundEmailEvent",
    "OutboundEmailStatus",
    "Recipient",
]


@strawberry.enum(description="Where an email is in its life: composed, handed to the queue, accepted, or refused.")
class OutboundEmailStatus(Enum):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


@strawberry.enum(
    description=(
        "What became of an email after Gmail accepted it: the roll-up of its recipients. One spelling everywhere "
        "(GraphQL, the stored JSON, the audit events): the seed's lower-case values. Any recipient bounced -> "
        "bounce_detected, else any human reply -> replied, else any delay notice -> delayed, else any automatic "
        "reply -> delivered; null while nothing is known."
    )
)
class DeliveryStatus(Enum):
    DELIVERED = strawberry.enum_value("delivered", name="delivered", description="An automatic reply proved delivery.")
    DELAYED = strawberry.enum_value("delayed", name="delayed", description="A recipient's server is still trying.")
    REPLIED = strawberry.enum_value("replied", name="replied", description="Someone answered.")
    BOUNCE_DETECTED = strawberry.enum_value(
        "bounce_detected", name="bounce_detected", description="At least one recipient bounced."
    )


@strawberry.type
class Attachment:
    filename: str
    content_type: str
    size: int


@strawberry.type(description="One step of an email's audit trail.")
class OutboundEmailEvent:
    kind: str
    at: datetime
    data: JSON
    actor: str
    cursor: str
    email_id: strawberry.ID = strawberry.field(description="The email the step belongs to.")

    @classmethod
    def from_row(cls, row: records.OutboundEmailEvent) -> OutboundEmailEvent:
        return cls(
            kind=row.kind,
            at=row.at,
            data=cast(JSON, row.data),
            actor=row.actor,
            cursor=str(row.seq),
            email_id=strawberry.ID(str(row.email_id)),
        )


@strawberry.type(description="A message synced from the Gmail mailbox.")
class EmailMessage:
    id: strawberry.ID
    gmail_id: str
    thread_id: str
    direction: str
    from_address: str | None
    to_addresses: str | None
    subject: str | None
    snippet: str | None
    message_id_header: str | None
    in_reply_to: str | None
    label_ids: list[str]
    date: datetime | None
    auto_reply_kind: str | None
    is_bounce: bool
    relation: str | None
    bounce_details: BounceDetails | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: records.EmailMessage) -> EmailMessage:
        return cls(
            id=strawberry.ID(str(row.id)),
            gmail_id=row.gmail_id,
            thread_id=row.thread_id,
            direction=row.direction.value if hasattr(row.direction, "value") else str(row.direction),
            from_address=row.from_address,
            to_addresses=row.to_addresses,
            subject=row.subject,
            snippet=row.snippet,
            message_id_header=row.message_id_header,
            in_reply_to=row.in_reply_to,
            label_ids=list(row.label_ids or []),
            date=row.date,
            auto_reply_kind=row.auto_reply_kind,
            is_bounce=row.is_bounce,
            relation=row.relation,
            created_at=row.created_at,
            bounce_details=BounceDetails.from_json(
                row.bounce_details, known(strongest_failures([(row.bounce_report or {}, row.created_at)]))
            ),
        )


@strawberry.type(description="An email Mailtrail was asked to send, with everything that happened to it.")
class OutboundEmail:
    id: strawberry.ID
    status: OutboundEmailStatus
    from_email: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    body_text: str | None
    body_html: str | None
    context_type: str | None
    context_id: uuid.UUID | None = strawberry.field(
        description="The id of your entity this email is linked to (a UUID; see contextType)."
    )
    planned_send_at: datetime | None
    send_before: datetime | None = strawberry.field(
        description="Not sent after this: an email that cannot go out before it is FAILED instead."
    )
    account_id: strawberry.ID = strawberry.field(description="The sending MailAccount (as `account`).")
    email_message_uid: strawberry.ID | None = strawberry.field(
        description="The synced sent copy's EmailMessage id (as `emailMessage`)."
    )
    reply_to_message_id: strawberry.ID | None = strawberry.field(
        description="The EmailMessage this email replies to, if it is a reply."
    )
    provider_message_id: str | None
    provider_thread_id: str | None
    message_id_header: str | None
    error_message: str | None
    delivery_status: DeliveryStatus | None
    idempotency_key: str | None
    attempt_count: int
    next_attempt_at: datetime | None = strawberry.field(description="When a waiting send will be tried next.")
    wait_reason: str | None = strawberry.field(description="Why a PENDING email is waiting (e.g. the daily cap).")
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    row: strawberry.Private[records.OutboundEmail]
    bound_loaders: strawberry.Private[Loaders | None] = None
    """Loaders of this one delivery (a subscription's update); a request's own otherwise."""

    def loaders(self, info: Info) -> Loaders:
        return self.bound_loaders or info.context.loaders

    @classmethod
    def from_row(cls, row: records.OutboundEmail, loaders: Loaders | None = None) -> OutboundEmail:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=OutboundEmailStatus(row.status),
            from_email=row.from_email,
            to=list(row.to),
            cc=list(row.cc),
            bcc=list(row.bcc),
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            context_type=row.context_type,
            context_id=row.context_id,
            planned_send_at=row.planned_send_at,
            send_before=row.send_before,
            account_id=strawberry.ID(str(row.account_id)),
            email_message_uid=strawberry.ID(str(row.email_message_uid)) if row.email_message_uid else None,
            reply_to_message_id=strawberry.ID(str(row.reply_to_message_id)) if row.reply_to_message_id else None,
            provider_message_id=row.provider_message_id,
            provider_thread_id=row.provider_thread_id,
            message_id_header=row.message_id_header,
            error_message=row.error_message,
            delivery_status=DeliveryStatus(row.delivery_status) if row.delivery_status else None,
            idempotency_key=row.idempotency_key,
            attempt_count=row.attempt_count,
            next_attempt_at=row.next_attempt_at,
            wait_reason=row.wait_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
            sent_at=row.sent_at,
            row=row,
            bound_loaders=loaders,
        )

    @strawberry.field
    async def account(self, info: Info) -> MailAccount:
        loaders = self.loaders(info)
        row = await loaders.account_by_id.load(self.row.account_id)
        return MailAccount.from_row(row, self.bound_loaders)

    @strawberry.field(description="The stored bounce_details JSON, typed; each bounced address with its verdict.")
    def bounce_details(self, info: Info) -> BounceDetails | None:
        loaders = self.loaders(info)
        email_id = self.row.id

        async def verdicts() -> dict[str, dict[str, Any]]:
            related = await loaders.related_messages_by_email_id.load(email_id)
            return strongest_failures(
                [(m.bounce_report or {}, m.created_at) for m in related if m.relation == records.Relation.BOUNCE]
            )

        return BounceDetails.from_json(self.row.bounce_details, verdicts)

    @strawberry.field(description="Every recipient (one per address and role) with its own delivery truth.")
    async def recipients(self, info: Info) -> list[Recipient]:
        loaders = self.loaders(info)
        rows = await loaders.recipients_by_email_id.load(self.row.id)
        return [Recipient.from_row(r, self.bound_loaders) for r in rows]

    @strawberry.field
    async def attachments(self, info: Info) -> list[Attachment]:
        rows = await self.loaders(info).attachments_by_email_id.load(self.row.id)
        return [Attachment(filename=r.filename, content_type=r.content_type, size=r.size) for r in rows]

    @strawberry.field(description="The audit trail, oldest first.")
    async def events(self, info: Info) -> list[OutboundEmailEvent]:
        rows = await self.loaders(info).events_by_email_id.load(self.row.id)
        return [OutboundEmailEvent.from_row(r) for r in rows]

    @strawberry.field(description="The synced sent copy in the Gmail mailbox.")
    async def email_message(self, info: Info) -> EmailMessage | None:
        if self.row.email_message_uid is None:
            return None
        row = await self.loaders(info).email_message_by_id.load(self.row.email_message_uid)
        return EmailMessage.from_row(row) if row else None

    @strawberry.field(description="Human replies linked to this email, oldest first.")
    async def replies(self, info: Info) -> list[EmailMessage]:
        rows = await self.loaders(info).related_messages_by_email_id.load(self.row.id)
        return [EmailMessage.from_row(r) for r in rows if r.relation == records.Relation.REPLY]

    @strawberry.field(description="Automatic replies (out of office, vacation), kept apart from human ones.")
    async def auto_replies(self, info: Info) -> list[EmailMessage]:
        rows = await self.loaders(info).related_messages_by_email_id.load(self.row.id)
        return [EmailMessage.from_row(r) for r in rows if r.relation == records.Relation.AUTO_REPLY]

    @strawberry.field(description="How the content was made from its context (template, version, data hash), or null.")
    async def rendered_from(self, info: Info) -> RenderedFrom | None:
        row = await self.loaders(info).content_by_email_id.load(self.row.id)
        return RenderedFrom.from_row(row) if row else None

    @strawberry.field(description="Bounce messages (DSNs) correlated to this email.")
    async def bounces(self, info: Info) -> list[EmailMessage]:
        rows = await self.loaders(info).related_messages_by_email_id.load(self.row.id)
        return [EmailMessage.from_row(r) for r in rows if r.relation == records.Relation.BOUNCE]


@strawberry.type
class OutboundEmailEdge:
    cursor: str
    node: OutboundEmail


@strawberry.type(description="Where a page sits in the whole list (the Relay connection spec's PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page: ask with `after: endCursor`.")
    end_cursor: str | None = strawberry.field(description="The last edge's cursor (null on an empty page).")
    has_previous_page: bool = strawberry.field(
        default=False,
        description=(
            "Items come before this page: true when it was asked for with `after` (paging forward; "
            "backward paging is not offered)."
        ),
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The first edge's cursor (null on an empty page)."
    )


@strawberry.type
class OutboundEmailConnection:
    edges: list[OutboundEmailEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[Count]]]

    @strawberry.field(
        description=(
            "How many emails match the filter (all pages), counted up to a cap (`total_count_cap`, "
            "10,000 by default); when more match, this is the cap and `totalCountIsExact` is false."
        )
    )
    async def total_count(self) -> int:
        return (await self.count()).value

    @strawberry.field(description="False when more emails match than `totalCount` (it stopped at the cap).")
    async def total_count_is_exact(self) -> bool:
        return (await self.count()).exact
