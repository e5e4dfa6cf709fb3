"""The addresses an organization no longer sends to, and the audit trail of that list."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Identity, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.records.ids import new_id
from domain.records.types import UTCDateTime, enum_column, utcnow


class SuppressionSource(StrEnum):
    HARD_BOUNCE = "HARD_BOUNCE"
    """A permanent bounce that was the address's fault (permanence hard, scope address)."""
    SOFT_BOUNCES = "SOFT_BOUNCES"
    """Soft bounces repeated within a window: suppressed for a while (`expires_at`)."""
    MANUAL = "MANUAL"


class SuppressedAddress(SQLModel, table=True):
    """An address sending to is refused unless explicitly overridden; inactive once `expires_at` passed."""

    __tablename__ = "suppressed_address"
    __table_args__ = (UniqueConstraint("organization_id", "email", name="uq_suppressed_org_email"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    email: str = Field(max_length=320)
    reason: str = Field(max_length=200)
    source: SuppressionSource = Field(default=SuppressionSource.MANUAL, sa_type=enum_column(SuppressionSource))
    source_email_id: uuid.UUID | None = Field(default=None, description="the outbound email that bounced")
    bounce_message_id: uuid.UUID | None = Field(default=None, description="the DSN (EmailMessage) as evidence")
    added_by: str = Field(default="system", max_length=200)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SuppressionAction(StrEnum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"


class SuppressionEvent(SQLModel, table=True):
    """Who added or removed an address, when and why; rows are only ever inserted."""

    __tablename__ = "suppression_event"
    __table_args__ = (Index("ix_suppression_event_org_email", "organization_id", "email", "seq"),)

    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), Identity(always=False), primary_key=True),
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    email: str = Field(max_length=320)
    action: SuppressionAction = Field(sa_type=enum_column(SuppressionAction, 10))
    source: SuppressionSource | None = Field(default=None, sa_type=enum_column(SuppressionSource))
    reason: str | None = Field(default=None, max_length=200)
    actor: str = Field(max_length=200)
    source_email_id: uuid.UUID | None = None
    bounce_message_id: uuid.UUID | None = None
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
