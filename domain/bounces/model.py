"""What a parsed bounce (DSN) says: who bounced, how, why, and which message it was about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.bounces.frozen import quick_init


class Permanence(StrEnum):
    """Whether sending to the address again can ever work (see `domain.bounces.reasons`)."""

    HARD = "hard"
    SOFT = "soft"
    UNDETERMINED = "undetermined"


class Scope(StrEnum):
    """Whose problem the bounce is: who has to act before a resend can succeed."""

    ADDRESS = "address"
    SENDER = "sender"
    MESSAGE = "message"
    TRANSIENT = "transient"


@quick_init
@quick_init
@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient of a delivery status notification (RFC 3464 per-recipient fields)."""

    email: str
    action: str
    status_code: str | None
    diagnostic: str
    reason: str
    permanence: Permanence = Permanence.UNDETERMINED
    scope: Scope = Scope.TRANSIENT

    @property
    def hard(self) -> bool:
        """A hard bounce: the address itself cannot receive mail (sisimai's `hardbounce`)."""
        return self.permanence is Permanence.HARD


@quick_init
@dataclass(frozen=True)
class Bounce:
    """A bounce: its recipients, the message it is about, and when it was reported."""

    recipients: tuple[BouncedRecipient, ...]
    original_message_id: str | None
    detected_at: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    original_headers_message_id: str | None = None
    mailtrail_id: str | None = None
    reporting_mta: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    reported_at: datetime | None = None

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
