"""Messages synced from Gmail."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.records.ids import new_id
from domain.records.types import HistoryId, JSONType, UTCDateTime, enum_column, utcnow


class Direction(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class Relation(StrEnum):
    """How a synced message relates to an outbound email."""

    SENT_COPY = "SENT_COPY"
    REPLY = "REPLY"
    AUTO_REPLY = "AUTO_REPLY"
    BOUNCE = "BOUNCE"


class EmailMessage(SQLModel, table=True):
    """A message as Gmail has it; unique per account and Gmail id so replays are harmless."""

    __tablename__ = "email_message"
    __table_args__ = (
        UniqueConstraint("account_id", "gmail_id", name="uq_email_message_account_gmail"),
        Index("ix_email_message_thread", "account_id", "thread_id"),
        Index("ix_email_message_message_id", "message_id_header"),
        Index("ix_email_message_outbound", "outbound_email_id"),
        Index("ix_email_message_org_created", "organization_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    account_id: uuid.UUID = Field(foreign_key="mail_account.id", ondelete="CASCADE")
    gmail_id: str = Field(max_length=64)
    thread_id: str = Field(max_length=64)
    history_id: int | None = Field(default=None, sa_type=HistoryId)
    label_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    message_id_header: str | None = Field(default=None, max_length=998)
    in_reply_to: str | None = Field(default=None, max_length=998)
    references: str | None = Field(default=None, sa_type=Text)
    from_address: str | None = Field(default=None, max_length=998)
    to_addresses: str | None = Field(default=None, sa_type=Text)
    subject: str | None = Field(default=None, sa_type=Text)
    date: datetime | None = Field(default=None, sa_type=UTCDateTime)
    direction: Direction = Field(default=Direction.INBOUND, sa_type=enum_column(Direction, 10))
    snippet: str | None = Field(default=None, sa_type=Text)
    size_estimate: int | None = None
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    auto_reply_kind: str | None = Field(default=None, max_length=50)
    is_bounce: bool = False
    bounce_details: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    bounce_report: dict[str, Any] | None = Field(
        default=None, sa_type=JSONType, description="the parsed DSN per recipient (domain/ledger/signals.py)"
    )
    outbound_email_id: uuid.UUID | None = None
    relation: Relation | None = Field(default=None, sa_type=enum_column(Relation))
    correlation_evidence: str | None = Field(default=None, max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
