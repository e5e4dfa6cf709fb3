"""Pub/Sub push deliveries already acted on, so a replayed push is acknowledged and ignored."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.records.types import UTCDateTime, utcnow


class PushReceipt(SQLModel, table=True):
    """One Pub/Sub message id, recorded in the transaction that enqueued its sync.

    Pub/Sub signs the push's bearer token, not its body, and a token stays valid for an hour: the
    message id is what tells a redelivery or a replay from a new notification. Kept as long as
    Pub/Sub may redeliver (its retention, 7 days by default).
    """

    __tablename__ = "push_receipt"

    message_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
