"""What a parsed bounce (DSN) says: who bounced, how, and which message it was about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Permanence(StrEnum):
    """Whether retrying can ever help (RFC 3463 class 5 vs 4, refined by the reason)."""

    HARD = "hard"
    SOFT = "soft"
    UNDETERMINED = "undetermined"


class Scope(StrEnum):
    """Whose problem the bounce is: the recipient's address, the sender, the message, or nobody's yet."""

    ADDRESS = "address"
    SENDER = "sender"
    MESSAGE = "message"
    TRANSIENT = "transient"


# Which side a reason (sisimai's vocabulary) points at. Provisional table; the bounce package owns it.
SCOPES: dict[str, Scope] = {
    **dict.fromkeys(("userunknown", "hostunknown", "hasmoved", "notaccept", "suspend", "filtered"), Scope.ADDRESS),
    **dict.fromkeys(
        ("blocked", "badreputation", "authfailure", "securityerror", "norelaying", "rejected", "requireptr"),
        Scope.SENDER,
    ),
    **dict.fromkeys(
        ("spamdetected", "virusinfected", "contenterror", "mesgtoolarge", "policyviolation", "notcompliantrfc"),
        Scope.MESSAGE,
    ),
}


@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient of a delivery status notification (RFC 3464 per-recipient fields)."""

    email: str
    action: str
    status_code: str | None
    diagnostic: str
    reason: str
    hard: bool

    @property
    def permanence(self) -> Permanence:
        if self.hard:
            return Permanence.HARD
        if self.reason in ("undefined", "onhold") and self.action == "failed":
            return Permanence.UNDETERMINED
        return Permanence.SOFT

    @property
    def scope(self) -> Scope:
        if self.action == "delayed" or (self.status_code or "").startswith("4"):
            return Scope.TRANSIENT
        return SCOPES.get(self.reason, Scope.TRANSIENT)


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
    reported_at: datetime | None = None
    """The report's own date (Arrival-Date, else the DSN's Date header), when readable."""
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
