"""What a parsed bounce (DSN) says: who bounced, how, and which message it was about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient of a delivery status notification (RFC 3464 per-recipient fields)."""

    email: str
    action: str
    status_code: str | None
    diagnostic: str
    reason: str
    hard: bool


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[BouncedRecipient, ...]
    original_message_id: str | None
    detected_at: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    original_headers_message_id: str | None = None
    mailtrail_id: str | None = None
    reporting_mta: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_delay(self) -> bool:
        """Every recipient was only delayed (the MTA is still trying)."""
        return bool(self.recipients) and all(r.action == "delayed" for r in self.recipients)

    def to_details(self) -> dict[str, Any]:
        """Exactly the stored `bounce_details` shape."""
        return {
            "bounced_recipients": [
                {"email": r.email, "action": r.action, "status_code": r.status_code, "diagnostic": r.diagnostic}
                for r in self.recipients
            ],
            "detected_at": self.detected_at.isoformat(),
        }
