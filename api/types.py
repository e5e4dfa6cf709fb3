"""GraphQL object types: shapes for clients, converted from rows, never the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from operator import attrgetter
from typing import Any

import strawberry

from api.account_types import MailAccount, MailAccountKind, MailAccountState
from api.bounce_types import BounceDetails, BouncedRecipient
from api.content_types import RenderedFrom
from api.context import Context
from api.counting import Count
from api.event_types import Attachment, OutboundEmailEvent
from api.lean_fields import never_awaitable
from api.loaders import Loaders, row_type
from api.message_types import EmailMessage
from api.recipients import Recipient
from api.row_fields import convert_lazily
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
    DRAFT = strawberry.enum_value(
        "DRAFT", description="Composed, not sent; editable. A plannedSendAt makes it a scheduled draft."
    )
    PENDING = strawberry.enum_value(
        "PENDING",
        description="Handed to the queue: a worker sends it (or it waits for the cap, a retry or a re-authorisation).",
    )
    SENT = strawberry.enum_value(
        "SENT", description="Gmail accepted it (sentAt, providerMessageId). What happened next is deliveryStatus."
    )
    FAILED = strawberry.enum_value(
        "FAILED", description="It could not be sent (errorMessage says why); retryEmail sends it again."
    )


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


@never_awaitable
@strawberry.type(description="An email Mailtrail was asked to send, with everything that happened to it.")
class OutboundEmail:
    id: strawberry.ID = strawberry.field(description="The email's id.")
    status: OutboundEmailStatus = strawberry.field(
        description="Where it is in its life: DRAFT, PENDING, SENT or FAILED."
    )
    from_email: str = strawberry.field(description="The sending account's address.")
    to: list[str] = strawberry.field(description="To: addresses, lower case.")
    cc: list[str] = strawberry.field(description="Cc: addresses, lower case.")
    bcc: list[str] = strawberry.field(description="Bcc: addresses, lower case (never shown to the other recipients).")
    subject: str = strawberry.field(description="The subject (empty string when none).")
    body_text: str | None = strawberry.field(description="The plain-text body.")
    body_html: str | None = strawberry.field(description="The HTML body.")
    context_type: str | None = strawberry.field(
        description="The kind of your entity it is about (e.g. `invoice`); with contextId."
    )
    context_id: uuid.UUID | None = strawberry.field(
        description="The id of your entity this email is linked to (a UUID; see contextType)."
    )
    planned_send_at: datetime | None = strawberry.field(
        description="When it is planned to go out (UTC); null: as soon as it is queued."
    )
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
    provider_message_id: str | None = strawberry.field(description="Gmail's id of the sent message, once SENT.")
    provider_thread_id: str | None = strawberry.field(description="Gmail's thread id of the sent message, once SENT.")
    message_id_header: str | None = strawberry.field(
        description="The Message-ID header Mailtrail gave it (replies and bounces are matched on it)."
    )
    error_message: str | None = strawberry.field(
        description="Why it FAILED (or why the last attempt failed), for a person."
    )
    delivery_status: DeliveryStatus | None = strawberry.field(
        description="What became of it after Gmail accepted it (its recipients' roll-up); null while nothing is known."
    )
    idempotency_key: str | None = strawberry.field(description="The idempotency key it was sent with, if any.")
    attempt_count: int = strawberry.field(description="How many send attempts were made (0 until a worker tries).")
    next_attempt_at: datetime | None = strawberry.field(description="When a waiting send will be tried next.")
    wait_reason: str | None = strawberry.field(description="Why a PENDING email is waiting (e.g. the daily cap).")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    sent_at: datetime | None = strawberry.field(description="When Gmail accepted it (UTC); null until SENT.")
    row: strawberry.Private[records.OutboundEmail]
    bound_loaders: strawberry.Private[Loaders | None] = None
    """Loaders of this one delivery (a subscription's update); a request's own otherwise."""

    def loaders(self, info: Info) -> Loaders:
        return self.bound_loaders or info.context.loaders

    @classmethod
    def from_row(cls, row: records.OutboundEmail, loaders: Loaders | None = None) -> OutboundEmail:
        """The email of `row`. A named tuple row (api.loaders.fetch_rows) never changes, so each field is
        converted when first read (a page reads 8 of 30); an ORM row may be expired or changed after
        its session, so every field is converted now."""
        if isinstance(row, tuple):
            email = cls.__new__(cls)
            email.row = row
            email.bound_loaders = loaders
            return email
        return cls(**{name: convert(row) for name, convert in FROM_ROW.items()}, row=row, bound_loaders=loaders)

    @classmethod
    def from_written(cls, row: records.OutboundEmail) -> OutboundEmail:
        """The email of an ORM row a mutation just wrote: its columns copied into a named tuple at
        once (as unchangeable as `from_row`'s eager fields), each field converted when first read.
        A mutation's answer usually asks for a few fields (sendEmail's often its id alone): the
        30 conversions of `from_row` were about 2% of a sendEmail's CPU, the copy is one C call."""
        return cls.from_row(_WrittenRow._make(_written_columns(row)))

    @strawberry.field(description="The mail account it is sent from.")
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

    @strawberry.field(description="Its attachments, in the order given.")
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


_WrittenRow: Any = row_type(records.OutboundEmail)
_written_columns = attrgetter(*_WrittenRow._fields)
"""`OutboundEmail.from_written`: an ORM row's columns as a tuple, in `row_type` order."""

FROM_ROW: dict[str, Callable[[records.OutboundEmail], Any]] = {
    "id": lambda row: strawberry.ID(str(row.id)),
    "status": lambda row: OutboundEmailStatus(row.status),
    "from_email": lambda row: row.from_email,
    "to": lambda row: list(row.to),
    "cc": lambda row: list(row.cc),
    "bcc": lambda row: list(row.bcc),
    "subject": lambda row: row.subject,
    "body_text": lambda row: row.body_text,
    "body_html": lambda row: row.body_html,
    "context_type": lambda row: row.context_type,
    "context_id": lambda row: row.context_id,
    "planned_send_at": lambda row: row.planned_send_at,
    "send_before": lambda row: row.send_before,
    "account_id": lambda row: strawberry.ID(str(row.account_id)),
    "email_message_uid": lambda row: strawberry.ID(str(row.email_message_uid)) if row.email_message_uid else None,
    "reply_to_message_id": lambda row: strawberry.ID(str(row.reply_to_message_id)) if row.reply_to_message_id else None,
    "provider_message_id": lambda row: row.provider_message_id,
    "provider_thread_id": lambda row: row.provider_thread_id,
    "message_id_header": lambda row: row.message_id_header,
    "error_message": lambda row: row.error_message,
    "delivery_status": lambda row: DeliveryStatus(row.delivery_status) if row.delivery_status else None,
    "idempotency_key": lambda row: row.idempotency_key,
    "attempt_count": lambda row: row.attempt_count,
    "next_attempt_at": lambda row: row.next_attempt_at,
    "wait_reason": lambda row: row.wait_reason,
    "created_at": lambda row: row.created_at,
    "updated_at": lambda row: row.updated_at,
    "sent_at": lambda row: row.sent_at,
}
"""How each field of OutboundEmail is made from its row (`OutboundEmail.from_row`)."""
convert_lazily(OutboundEmail, FROM_ROW)  # a lazily built email converts each field when first read


@never_awaitable
@strawberry.type(description="One email in a page of emails.")
class OutboundEmailEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the emails after this one.")
    node: OutboundEmail = strawberry.field(description="The email.")


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


@strawberry.type(description="A page of emails, newest first (the Relay connection spec).")
class OutboundEmailConnection:
    edges: list[OutboundEmailEdge] = strawberry.field(description="The emails of this page, each with its cursor.")
    page_info: PageInfo = strawberry.field(description="Where this page sits and how to get the next.")
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
