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


@strawberry.input
class AttachmentInput:
    filename: str
    content_type: str
    data_base64: str


@strawberry.input(description="A new email's content. Lists replace; nothing is sent until you ask.")
class DraftInput(ContentOptionsInput):
    account_id: strawberry.ID
    to: list[str] = strawberry.field(default_factory=list)
    cc: list[str] = strawberry.field(default_factory=list)
    bcc: list[str] = strawberry.field(default_factory=list)
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[AttachmentInput] | None = None
    context_type: str | None = None
    context_id: uuid.UUID | None = strawberry.field(default=None, description=CONTEXT_ID)
    planned_send_at: datetime | None = None


@strawberry.input(description="A partial edit: only the fields you give change; lists are replaced whole.")
class DraftPatch:
    account_id: strawberry.ID | None = strawberry.UNSET
    to: list[str] | None = strawberry.UNSET
    cc: list[str] | None = strawberry.UNSET
    bcc: list[str] | None = strawberry.UNSET
    subject: str | None = strawberry.UNSET
    body_text: str | None = strawberry.UNSET
    body_html: str | None = strawberry.UNSET
    attachments: list[AttachmentInput] | None = strawberry.UNSET
    context_type: str | None = strawberry.UNSET
    context_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CONTEXT_ID)
    planned_send_at: datetime | None = strawberry.UNSET


@strawberry.input
class OutboundEmailFilter:
    context_type: str | None = None
    context_id: uuid.UUID | None = strawberry.field(default=None, description=CONTEXT_ID)
    status: list[OutboundEmailStatus] | None = None
    delivery_status: list[DeliveryStatus] | None = None
    account_id: strawberry.ID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


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
