"""Dates in a bounce (RFC 5322 §3.3 date-time, as Date and the RFC 3464 Arrival-Date use it).

A date a stranger wrote may be anything (`Date: 99999999999999999999`, a year 0, a zone of
+9999): an unreadable one is None, never an error, so it costs that field and nothing else.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime


def parse_date(value: str) -> datetime | None:
    """The UTC instant of an RFC 5322 date (an RFC 3464 `type;` prefix allowed), or None."""
    value = (value or "").strip()[:200]
    if ";" in value[:20]:
        value = value.split(";", 1)[1].strip()
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            return None
        return parsed.astimezone(UTC)
    except Exception:  # OverflowError, ValueError, IndexError, TypeError: all mean "unreadable"
        return None
