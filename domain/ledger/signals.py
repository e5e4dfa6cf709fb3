"""What one DSN or reply says about each recipient, as `Signal`s the ledger applies. Pure: no I/O.

A parsed DSN is kept on its EmailMessage as a `bounce report` (JSON), so the ledger can be
rebuilt from stored evidence (unlinkBounce) without parsing mail again, and so a later parser
change does not silently rewrite history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from domain.bounces import Bounce
from domain.ledger.precedence import Correlation, DeliveryState, strength

EVIDENCE_TO_CORRELATION = {
    "in_reply_to": Correlation.IN_REPLY_TO,
    "references": Correlation.IN_REPLY_TO,
    "original_message_id": Correlation.MESSAGE_ID_IN_REPORT,
    "x_mailtrail_id": Correlation.MAILTRAIL_HEADER,
    "gmail_thread": Correlation.THREAD,
    "manual": Correlation.MANUAL,
}


@dataclass(frozen=True)
class Signal:
    """One piece of news about one address, with the evidence the recipient row will carry."""

    address: str
    state: DeliveryState
    detected_at: datetime
    reported_at: datetime | None = None
    status_code: str | None = None
    action: str | None = None
    diagnostic: str | None = None
    reason: str | None = None
    permanence: str | None = None
    scope: str | None = None
    correlation: Correlation | None = None
    message_id: uuid.UUID | None = None

    @property
    def key(self) -> str:
        return address_key(self.address)

    def evidence(self) -> dict[str, Any]:
        """The recipient row's evidence columns, as this signal sets them."""
        return {
            "delivery_state": self.state,
            "status_code": self.status_code,
            "action": self.action,
            "diagnostic": self.diagnostic,
            "reason": self.reason,
            "permanence": self.permanence,
            "scope": self.scope,
            "detected_at": self.detected_at,
            "reported_at": self.reported_at,
            "correlation": self.correlation,
            "message_id": self.message_id,
        }


def address_key(address: str) -> str:
    """How addresses are compared: the bare address, case-folded."""
    return (parseaddr(address)[1] or address).strip().casefold()


def correlation_of(evidence: str | None) -> Correlation | None:
    return EVIDENCE_TO_CORRELATION.get(evidence or "")


def bounce_report(bounce: Bounce, fallback_date: datetime | None) -> dict[str, Any]:
    """The stored form of a parsed DSN: each recipient's fields and verdict, and the report's date.

    `reported_at` is the report's own date; when the parser found none, the DSN's Date header.
    """
    reported = bounce.reported_at or fallback_date
    return {
        "recipients": [
            {
                "email": r.email,
                "action": r.action,
                "status_code": r.status_code,
                "diagnostic": r.diagnostic,
                "reason": r.reason,
                "permanence": r.permanence.value,
                "scope": r.scope.value,
            }
            for r in bounce.recipients
        ],
        "reported_at": reported.isoformat() if reported else None,
    }


def dsn_state(action: str | None, status_code: str | None) -> DeliveryState | None:
    """A DSN recipient's state: failed -> BOUNCED, delayed -> DELAYED; positive notices say nothing."""
    action = (action or "").lower()
    if action == "failed":
        return DeliveryState.BOUNCED
    if action == "delayed":
        return DeliveryState.DELAYED
    if action in ("delivered", "relayed", "expanded"):
        return None
    code = status_code or ""
    if code.startswith("5"):
        return DeliveryState.BOUNCED
    if code.startswith("4"):
        return DeliveryState.DELAYED
    return None


def from_report(
    report: dict[str, Any], detected_at: datetime, correlation: Correlation | None, message_id: uuid.UUID | None
) -> list[Signal]:
    """The signals of a stored bounce report, one per recipient it names with a failure or a delay."""
    reported = _datetime(report.get("reported_at"))
    signals = []
    for item in report.get("recipients", []):
        state = dsn_state(item.get("action"), item.get("status_code"))
        if state is None or not item.get("email"):
            continue
        signals.append(
            Signal(
                address=str(item["email"]),
                state=state,
                detected_at=detected_at,
                reported_at=reported,
                status_code=item.get("status_code"),
                action=item.get("action"),
                diagnostic=item.get("diagnostic"),
                reason=item.get("reason") or None,
                permanence=item.get("permanence"),
                scope=item.get("scope"),
                correlation=correlation,
                message_id=message_id,
            )
        )
    return signals


def from_reply(
    from_header: str | None,
    automatic: bool,
    detected_at: datetime,
    reported_at: datetime | None,
    correlation: Correlation | None,
    message_id: uuid.UUID | None,
) -> Signal:
    """A reply's signal, about the address it came from (an empty one names no recipient)."""
    address = parseaddr(from_header or "")[1]
    return Signal(
        address=address,
        state=DeliveryState.AUTO_REPLIED if automatic else DeliveryState.REPLIED,
        detected_at=detected_at,
        reported_at=reported_at,
        correlation=correlation,
        message_id=message_id,
    )


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def strongest_failures(reports: list[tuple[dict[str, Any], datetime]]) -> dict[str, dict[str, Any]]:
    """Per address, the report entry of its strongest failure (precedence.py) among `reports`
    (each with its detection time): what a bounced recipient's reason, permanence and scope are."""
    best: dict[str, tuple[tuple[int, int, float], dict[str, Any]]] = {}
    for report, detected_at in reports:
        for item in report.get("recipients", []):
            if dsn_state(item.get("action"), item.get("status_code")) != DeliveryState.BOUNCED:
                continue
            key = address_key(str(item.get("email", "")))
            rank = strength(DeliveryState.BOUNCED, item.get("permanence"), detected_at)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, item)
    return {key: item for key, (_rank, item) in best.items()}
