"""The recipients ledger: one row per address and role of an outbound email, with its own delivery truth."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.ledger.precedence import Correlation, DeliveryState, RecipientRole
from domain.records.ids import new_id
from domain.records.types import UTCDateTime, enum_column, utcnow


class OutboundRecipient(SQLModel, table=True):
    """One recipient of an OutboundEmail. Written with the email's recipients (kept in step with
    draft edits), marked SENT with the email, then moved by bounces, delays and replies under the
    precedence of domain/ledger/precedence.py. The fields after `delivery_state` describe the
    evidence of the state it is in, and are replaced together."""

    __tablename__ = "outbound_recipient"
    __table_args__ = (
        UniqueConstraint("email_id", "role", "address", name="uq_outbound_recipient_email_role_address"),
        Index("ix_outbound_recipient_org_address", "organization_id", "address"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    # No index of its own: the unique (email_id, role, address) leads with it (migration 0010).
    email_id: uuid.UUID = Field(foreign_key="outbound_email.id", ondelete="CASCADE")
    address: str = Field(max_length=320, description="as stored on the email (normalized, lower-cased)")
    role: RecipientRole = Field(sa_type=enum_column(RecipientRole, 3))
    position: int = 0
    delivery_state: DeliveryState | None = Field(default=None, sa_type=enum_column(DeliveryState, 12))
    status_code: str | None = Field(default=None, max_length=20, description="RFC 3463 enhanced status code")
    action: str | None = Field(default=None, max_length=20, description="RFC 3464 Action")
    diagnostic: str | None = Field(default=None, sa_type=Text)
    reason: str | None = Field(default=None, max_length=40, description="sisimai's vocabulary, lower case")
    permanence: str | None = Field(default=None, max_length=12, description="hard, soft or undetermined")
    scope: str | None = Field(default=None, max_length=12, description="address, sender, message or transient")
    detected_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="when Mailtrail read it")
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="the report's own date")
    correlation: Correlation | None = Field(default=None, sa_type=enum_column(Correlation))
    message_id: uuid.UUID | None = Field(default=None, description="the EmailMessage (DSN or reply) it rests on")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
