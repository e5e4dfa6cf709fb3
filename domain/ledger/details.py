"""The seed's `bounce_details` JSON on an outbound email. Pure: no I/O.

Exactly `{"bounced_recipients": [{"email", "action", "status_code", "diagnostic"}], "detected_at"}`,
`detected_at` being when Mailtrail first detected a bounce of the email, in UTC `Z` form (the
seed's example: `2023-11-07T05:31:56Z`). A later bounce for another recipient appends its entry
and never rewrites that time; a stronger one for the same recipient replaces that entry in place.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from domain.ledger.signals import Signal, address_key

ENTRY_KEYS = ("email", "action", "status_code", "diagnostic")


def utc_z(moment: datetime) -> str:
    """`2023-11-07T05:31:56Z`: UTC, to the second, as the seed writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(signal: Signal) -> dict[str, Any]:
    return {
        "email": signal.address,
        "action": signal.action,
        "status_code": signal.status_code,
        "diagnostic": signal.diagnostic,
    }


def merge(
    details: dict[str, Any] | None, failures: list[Signal], replace: Collection[str] = ()
) -> dict[str, Any] | None:
    """`details` with `failures` added: new addresses appended, those in `replace` (address keys
    whose recipient took the new failure) updated in place, the first detection time kept."""
    if not failures:
        return details
    current = list((details or {}).get("bounced_recipients", []))
    index = {address_key(str(item.get("email", ""))): i for i, item in enumerate(current)}
    for signal in failures:
        position = index.get(signal.key)
        if position is None:
            index[signal.key] = len(current)
            current.append(entry(signal))
        elif signal.key in replace:
            current[position] = entry(signal)
    detected = (details or {}).get("detected_at") or utc_z(min(s.detected_at for s in failures))
    return {"bounced_recipients": current, "detected_at": detected}


def build(failures_in_detection_order: list[Signal], winners: dict[str, Signal]) -> dict[str, Any] | None:
    """The details from scratch (after an unlink): one entry per failed address, in the order first
    detected, showing its winning failure; None when no failure remains."""
    if not failures_in_detection_order:
        return None
    order: dict[str, Signal] = {}
    for signal in failures_in_detection_order:
        order.setdefault(signal.key, signal)
    return {
        "bounced_recipients": [entry(winners.get(key, first)) for key, first in order.items()],
        "detected_at": utc_z(failures_in_detection_order[0].detected_at),
    }
