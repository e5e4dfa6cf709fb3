"""Delivery status: what became of an email after Gmail accepted it (separate from `status`)."""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    """Ordered from least to most conclusive; a later signal only ever upgrades the status."""

    DELIVERED = "delivered"
    DELAYED = "delayed"
    REPLIED = "replied"
    BOUNCE_DETECTED = "bounce_detected"


_RANK = {
    None: 0,
    DeliveryStatus.DELIVERED: 1,
    DeliveryStatus.DELAYED: 2,
    DeliveryStatus.REPLIED: 3,
    DeliveryStatus.BOUNCE_DETECTED: 4,
}


def upgrade(current: DeliveryStatus | None, signal: DeliveryStatus) -> DeliveryStatus | None:
    """Return the stronger of the two: a delay never downgrades a bounce, a bounce upgrades a delay."""
    return signal if _RANK[signal] > _RANK[current] else current
