"""GraphQL object types: shapes for clients, converted from rows, never the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from api.content_types import RenderedFrom
from api.context import Context
from api.counting import Count
from api.loaders import Loaders
from domain import records

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where an email is in its life: composed, handed to the queue, accepted, or refused.")
class OutboundEmailStatus(Enum):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


@strawberry.enum(description="What became of an email after Gmail accepted it.")
class DeliveryStatus(Enum):
    DELIVERED = "delivered"
    DELAYED = "delayed"
    REPLIED = "replied"
    BOUNCE_DETECTED = "bounce_detected"


@strawberry.enum
class MailAccountState(Enum):
    ACTIVE = "ACTIVE"
    NEEDS_REAUTH = "NEEDS_REAUTH"
    DISCONNECTED = "DISCONNECTED"


@strawberry.type(description="A connected Gmail account; its credentials are never exposed.")
class MailAccount:
    id: strawberry.ID
    email: str
    display_name: str | None
    state: MailAccountState
    state_reason: str | None
    scopes: list[str]
    watch_expires_at: datetime | None
    watch_error: str | None
    last_synced_at: datetime | None
    daily_send_cap: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: records.MailAccount) -> MailAccount:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            state=MailAccountState(row.state),
            state_reason=row.state_reason,
            scopes=list(row.scopes or []),
            watch_expires_at=row.watch_expires_at,
            watch_error=row.watch_error,
            last_synced_at=row.last_synced_at,
            daily_send_cap=row.daily_send_cap,
            created_at=row.created_at,
        )


@strawberry.type
class Attachment:
    filename: str
    content_type: str
    size: int


@strawberry.type
class BouncedRecipient:
    email: str
    action: str | None
    status_code: str | None
    diagnostic: str | None


@strawberry.type(description="Exactly the stored `bounce_details` JSON, typed.")
class BounceDetails:
    bounced_recipients: list[BouncedRecipient]
    detected_at: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> BounceDetails | None:
        if not data:
            return None
        return cls(
            bounced_recipients=[
                BouncedRecipient(
                    email=r.get("email", ""),
                    action=r.get("action"),
                    status_code=r.get("status_code"),
                    diagnostic=r.get("diagnostic"),
                )
                for r in data.get("bounced_recipients", [])
            ],
            detected_at=data.get("detected_at"),
        )


@strawberry.type(description="One step of an email's audit trail.")
class OutboundEmailEvent:
    kind: str
    at: datetime
    data: JSON
    actor: str
    cursor: str


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
            bounce_details=BounceDetails.from_json(row.bounce_details),
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
    provider_message_id: str | None
    provider_thread_id: str | None
    message_id_header: str | None
    error_message: str | None
    delivery_status: DeliveryStatus | None
    bounce_details: BounceDetails | None
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
            provider_message_id=row.provider_message_id,
            provider_thread_id=row.provider_thread_id,
            message_id_header=row.message_id_header,
            error_message=row.error_message,
            delivery_status=DeliveryStatus(row.delivery_status) if row.delivery_status else None,
            bounce_details=BounceDetails.from_json(row.bounce_details),
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
        row = await self.loaders(info).account_by_id.load(self.row.account_id)
        return MailAccount.from_row(row)

    @strawberry.field
    async def attachments(self, info: Info) -> list[Attachment]:
        rows = await self.loaders(info).attachments_by_email_id.load(self.row.id)
        return [Attachment(filename=r.filename, content_type=r.content_type, size=r.size) for r in rows]

    @strawberry.field(description="The audit trail, oldest first.")
    async def events(self, info: Info) -> list[OutboundEmailEvent]:
        rows = await self.loaders(info).events_by_email_id.load(self.row.id)
        return [
            OutboundEmailEvent(kind=r.kind, at=r.at, data=cast(JSON, r.data), actor=r.actor, cursor=str(r.seq))
            for r in rows
        ]

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
