"""GraphQL inputs, and their conversion to domain values."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from api.content_inputs import ContentOptionsInput
from api.types import DeliveryStatus, OutboundEmailStatus
from domain.drafts import AttachmentInput as DomainAttachment
from domain.drafts import DraftFields
from domain.errors import DomainError, ErrorCode

CONTEXT_ID = "Your entity's id (e.g. the invoice's): a UUID. Map other ids to one, e.g. uuid5(your namespace, id)."


@strawberry.input(
    description="A file to attach; all attachments together at most `max_attachments_bytes` (25 MB) decoded."
)
class AttachmentInput:
    filename: str = strawberry.field(description="The file name shown to recipients (no path, no line breaks).")
    content_type: str = strawberry.field(description="Its MIME type (application/pdf).")
    data_base64: str = strawberry.field(description="The file's bytes, standard base64 (RFC 4648).")


@strawberry.input(description="A new email's content. Lists replace; nothing is sent until you ask.")
class DraftInput(ContentOptionsInput):
    account_id: strawberry.ID = strawberry.field(
        description="The sending mail account (ACTIVE; ACCOUNT_NOT_FOUND otherwise)."
    )
    to: list[str] = strawberry.field(
        default_factory=list,
        description="To: addresses (RFC 5322, at most `max_recipients` across to, cc and bcc); stored lower case.",
    )
    cc: list[str] = strawberry.field(
        default_factory=list,
        description="Cc: addresses (RFC 5322, at most `max_recipients` across to, cc and bcc); stored lower case.",
    )
    bcc: list[str] = strawberry.field(
        default_factory=list,
        description=(
            "Bcc: addresses (RFC 5322, at most `max_recipients` across to, cc and bcc); "
            "stored lower case; never shown to the others."
        ),
    )
    subject: str | None = strawberry.field(
        default=None, description="The subject (one line: a line break is HEADER_INJECTION)."
    )
    body_text: str | None = strawberry.field(default=None, description="The plain-text body.")
    body_html: str | None = strawberry.field(
        default=None, description="The HTML body (sent as is, next to the text body)."
    )
    attachments: list[AttachmentInput] | None = strawberry.field(
        default=None, description="Files to attach (see AttachmentInput for the size limit)."
    )
    context_type: str | None = strawberry.field(
        default=None, description="The kind of your entity it is about (e.g. `invoice`); with contextId."
    )
    context_id: uuid.UUID | None = strawberry.field(default=None, description=CONTEXT_ID)
    planned_send_at: datetime | None = strawberry.field(
        default=None,
        description="Schedule it: a future time with a UTC offset (PLANNED_IN_PAST, NAIVE_DATETIME otherwise).",
    )


@strawberry.input(description="A partial edit: only the fields you give change; lists are replaced whole.")
class DraftPatch:
    account_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="A new sending account.")
    to: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New To: addresses (replaces the list)."
    )
    cc: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New Cc: addresses (replaces the list)."
    )
    bcc: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New Bcc: addresses (replaces the list)."
    )
    subject: str | None = strawberry.field(default=strawberry.UNSET, description="A new subject.")
    body_text: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new plain-text body (null clears it)."
    )
    body_html: str | None = strawberry.field(default=strawberry.UNSET, description="A new HTML body (null clears it).")
    attachments: list[AttachmentInput] | None = strawberry.field(
        default=strawberry.UNSET, description="New attachments (replace all of them; null or [] removes them)."
    )
    context_type: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new context type (with contextId)."
    )
    context_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CONTEXT_ID)
    planned_send_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="A new planned time (future, with a UTC offset); null unschedules."
    )


@strawberry.input(description="Narrow a list of emails (or a subscription); every given criterion must hold.")
class OutboundEmailFilter:
    context_type: str | None = strawberry.field(
        default=None, description="Only emails about this kind of entity (e.g. `invoice`)."
    )
    context_id: uuid.UUID | None = strawberry.field(default=None, description=CONTEXT_ID)
    status: list[OutboundEmailStatus] | None = strawberry.field(
        default=None, description="Only emails in one of these statuses."
    )
    delivery_status: list[DeliveryStatus] | None = strawberry.field(
        default=None, description="Only emails with one of these delivery statuses."
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only emails sent from this mail account."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Only emails created at or after this time (with a UTC offset)."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Only emails created before this time (with a UTC offset)."
    )


def page_size(first: int | None, default: int, cap: int, field: str = "first") -> int:
    """How many items a page returns: `first` if 0 <= first <= cap, the default if it is null."""
    if first is None:
        return default
    if not 0 <= first <= cap:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be between 0 and {cap}", field)
    return first


def aware(value: datetime | None, field: str) -> datetime | None:
    """A datetime filter must carry a UTC offset: comparing a naive one with stored times means nothing."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise DomainError(ErrorCode.NAIVE_DATETIME, f"{field} must include a timezone offset", field)
    return value


def parse_id(value: str | None, field: str) -> uuid.UUID:
    """A UUID from a GraphQL ID, or a typed validation error."""
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} is not a valid id", field) from None


def domain_attachments(items: list[AttachmentInput] | None) -> list[DomainAttachment] | None:
    if items is None:
        return None
    return [DomainAttachment(a.filename, a.content_type, a.data_base64) for a in items]


def draft_fields(data: DraftInput) -> DraftFields:
    return DraftFields(
        account_id=parse_id(data.account_id, "accountId"),
        to=data.to,
        cc=data.cc,
        bcc=data.bcc,
        subject=data.subject,
        body_text=data.body_text,
        body_html=data.body_html,
        attachments=domain_attachments(data.attachments),
        context_type=data.context_type,
        context_id=data.context_id,
        planned_send_at=data.planned_send_at,
    )


def patch_changes(patch: DraftPatch) -> dict[str, Any]:
    """Only the fields the caller gave; an explicit null clears a field."""
    changes: dict[str, Any] = {}
    for name in (
        "to",
        "cc",
        "bcc",
        "subject",
        "body_text",
        "body_html",
        "context_type",
        "context_id",
        "planned_send_at",
    ):
        value = getattr(patch, name)
        if value is not strawberry.UNSET:
            changes[name] = value
    if patch.account_id is not strawberry.UNSET:
        changes["account_id"] = parse_id(patch.account_id, "accountId")
    if patch.attachments is not strawberry.UNSET:
        changes["attachments"] = domain_attachments(patch.attachments) or []
    return changes
