"""Webhook endpoints, the messages fanned out to them, each delivery and each attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Identity, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.records.ids import new_id
from domain.records.types import JSONType, UTCDateTime, enum_column, utcnow


class WebhookEndpointState(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class WebhookDeliveryState(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class WebhookEndpoint(SQLModel, table=True):
    """A URL of an organization's backend that receives its email updates, signed with its secret."""

    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    event_kinds: list[str] | None = Field(default=None, sa_type=JSONType, description="None: every kind")
    context_type: str | None = Field(default=None, max_length=100)
    state: WebhookEndpointState = Field(
        default=WebhookEndpointState.ACTIVE, sa_type=enum_column(WebhookEndpointState, 10)
    )
    secrets_encrypted: str = Field(sa_type=Text, description="Fernet token of the current and previous secret")
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookMessage(SQLModel, table=True):
    """The body sent for one audit event, rendered once and signed on every attempt to every endpoint."""

    __tablename__ = "webhook_message"
    __table_args__ = (Index("ix_webhook_message_org_seq", "organization_id", "seq"),)

    seq: int = Field(
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    email_id: uuid.UUID
    kind: str = Field(max_length=50)
    event: str = Field(max_length=50)
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: its `webhook-id`, where its retries stand and how the last one went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "seq", name="uq_webhook_delivery_endpoint_seq"),
        Index("ix_webhook_delivery_chain", "endpoint_id", "email_id", "seq"),
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    webhook_id: str = Field(max_length=64, unique=True, description="the webhook-id header")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE")
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    seq: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"),
            ForeignKey("webhook_message.seq", ondelete="CASCADE"),
            nullable=False,
        )
    )
    email_id: uuid.UUID
    state: WebhookDeliveryState = Field(
        default=WebhookDeliveryState.PENDING, sa_type=enum_column(WebhookDeliveryState, 10)
    )
    attempts: int = Field(default=0, description="attempts in the current series (a redelivery starts a new one)")
    series_started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempt_token: uuid.UUID | None = Field(default=None, description="the worker holding the attempt")
    attempt_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_latency_ms: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt of a delivery: the delivery log."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), Identity(always=False), primary_key=True),
    )
    delivery_id: uuid.UUID = Field(foreign_key="webhook_delivery.id", index=True, ondelete="CASCADE")
    attempted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int | None = None
    latency_ms: int | None = None
    error: str | None = Field(default=None, sa_type=Text)


class WebhookFanout(SQLModel, table=True):
    """Where the fan-out stands in the audit trail: one row, the set of seqs already handled."""

    __tablename__ = "webhook_fanout"

    id: int = Field(default=1, primary_key=True)
    cursor: str = Field(sa_type=Text, description="a SeqSet: every seq turned into deliveries (or settled)")
    holes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, description="hole start -> first seen")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookNotice(SQLModel, table=True):
    """Something an organization must hear about its webhooks (an endpoint disabled after failing)."""

    __tablename__ = "webhook_notice"
    __table_args__ = (Index("ix_webhook_notice_org_created", "organization_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    endpoint_id: uuid.UUID | None = None
    kind: str = Field(max_length=50)
    message: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
