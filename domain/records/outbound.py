"""Outbound emails, their attachments and their append-only audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from domain.delivery import DeliveryStatus
from domain.lifecycle import EmailStatus
from domain.records.ids import new_id
from domain.records.types import HistoryId, JSONType, UTCDateTime, enum_column, utcnow


def _set_only(name: str, *columns: str, when: str) -> Index:
    """An index of the rows whose `when` column is set (migration 0011): every search of it names
    a value of that column, and a row version written before it is set enters no entry."""
    where = text(f"{when} IS NOT NULL")
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class OutboundEmail(SQLModel, table=True):
    """An email Mailtrail was asked to send, recorded before anything reaches Gmail."""

    __tablename__ = "outbound_email"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key", name="uq_outbound_email_idempotency"),
        Index("ix_outbound_email_org_created", "organization_id", "created_at", "id"),
        _set_only("ix_outbound_email_context", "organization_id", "context_type", "context_id", when="context_type"),
        Index("ix_outbound_email_org_status_created", "organization_id", "status", "created_at", "id"),
        Index("ix_outbound_email_due", "status", "planned_send_at"),
        _set_only("ix_outbound_email_send_before", "status", "send_before", when="send_before"),
        _set_only("ix_outbound_email_account_sent", "account_id", "sent_at", when="sent_at"),
        Index("ix_outbound_email_account_attempt", "account_id", "attempt_started_at"),
        _set_only(
            "ix_outbound_email_provider_message", "account_id", "provider_message_id", when="provider_message_id"
        ),
        _set_only("ix_outbound_email_message_id_header", "message_id_header", when="message_id_header"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    # No index of its own: the (account_id, ...) indexes above lead with it (migration 0010).
    account_id: uuid.UUID = Field(foreign_key="mail_account.id")
    from_email: str = Field(max_length=320)
    from_name: str | None = Field(default=None, max_length=200)
    to: list[str] = Field(default_factory=list, sa_type=JSONType)
    cc: list[str] = Field(default_factory=list, sa_type=JSONType)
    bcc: list[str] = Field(default_factory=list, sa_type=JSONType)
    subject: str = Field(default="", sa_type=Text)
    body_text: str | None = Field(default=None, sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    context_type: str | None = Field(default=None, max_length=100)
    context_id: uuid.UUID | None = None
    status: EmailStatus = Field(default=EmailStatus.DRAFT, sa_type=enum_column(EmailStatus, 10))
    planned_send_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    send_before: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="not sent after this: FAILED instead (domain/send_window.py)"
    )
    provider_message_id: str | None = Field(default=None, max_length=64)
    provider_thread_id: str | None = Field(default=None, max_length=64)
    message_id_header: str | None = Field(default=None, max_length=998)
    local_message_id: str | None = Field(default=None, max_length=998, description="the Message-ID we generated")
    error_message: str | None = Field(default=None, sa_type=Text)
    delivery_status: DeliveryStatus | None = Field(default=None, sa_type=enum_column(DeliveryStatus))
    bounce_details: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    email_message_uid: uuid.UUID | None = Field(default=None, description="the synced sent copy")
    idempotency_key: str | None = Field(default=None, max_length=200)
    payload_hash: str | None = Field(default=None, max_length=64)
    reply_to_message_id: uuid.UUID | None = Field(default=None, description="EmailMessage replied to")
    in_reply_to_header: str | None = Field(default=None, max_length=998)
    references_header: str | None = Field(default=None, sa_type=Text)
    thread_hint: str | None = Field(default=None, max_length=64, description="Gmail threadId to join")
    allow_suppressed: bool = False
    attempt_count: int = 0
    attempt_token: uuid.UUID | None = Field(default=None, description="the worker holding the send")
    attempt_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    uncertain_since: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="since when an attempt may have reached Gmail unseen"
    )
    uncertain_history_id: int | None = Field(
        default=None, sa_type=HistoryId, description="the mailbox's history cursor from before that attempt"
    )
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wait_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboundAttachment(SQLModel, table=True):
    """Attachment bytes live in their own table so listing emails never drags them along."""

    __tablename__ = "outbound_attachment"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    email_id: uuid.UUID = Field(foreign_key="outbound_email.id", index=True, ondelete="CASCADE")
    position: int = 0
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=255)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class OutboundEmailEvent(SQLModel, table=True):
    """One step in an email's life. Append-only: PostgreSQL rejects UPDATE and DELETE on it.

    `seq` orders the whole trail and is the cursor subscriptions replay from. `email_id` is not a
    foreign key on purpose: a deleted draft's trail outlives it, and account-level events (kinds
    `account_*`) carry the mail account's id there (domain/events.py).
    """

    __tablename__ = "outbound_email_event"
    __table_args__ = (
        Index("ix_outbound_email_event_email", "email_id", "seq"),
        Index("ix_outbound_email_event_org_seq", "organization_id", "seq"),
    )

    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), Identity(always=False), primary_key=True),
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    email_id: uuid.UUID
    kind: str = Field(max_length=50)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    actor: str = Field(max_length=200)
