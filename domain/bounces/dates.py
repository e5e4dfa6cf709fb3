"""Dates in a bounce (RFC 5322 §3.3 date-time, as Date and the RFC 3464 Arrival-Date use it).

A date a stranger wrote may be anything (`Date: 99999999999999999999`, a year 0, a zone of
+9999): an unreadable one is None, never an error, so it costs that field and nothing else.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

# The form nearly every mail server writes (`Sat, 5 Dec 2026 10:20:00 +0000`, a comment after it
# allowed), read without the general parser; anything else goes to email.utils.
COMMON: Final = re.compile(
    r"(?:[A-Za-z]{3}, ?)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)(?: \([^()]{0,40}\))?"
)
MONTH_NAMES: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS: Final = {name: number for number, name in enumerate(MONTH_NAMES, 1)}


def parse_date(value: str) -> datetime | None:
    """The UTC instant of an RFC 5322 date (an RFC 3464 `type;` prefix allowed), or None."""
    value = (value or "").strip()[:200]
    if ";" in value[:20]:
        value = value.split(";", 1)[1].strip()
    if not value:
        return None
    common = _common(value)
    if common is not None:
        return common
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            return None
        return parsed.astimezone(UTC)
    except Exception:  # OverflowError, ValueError, IndexError, TypeError: all mean "unreadable"
        return None


def _common(value: str) -> datetime | None:
    """The date when it is written in the common form, or None (then the general parser decides)."""
    match = COMMON.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    if sign == "-" and zone_hours == zone_minutes == "00":  # -0000: the zone is unknown
        return None
    number = MONTHS.get(month.lower())
    if number is None:
        return None
    if zone_hours == zone_minutes == "00":  # +0000: the instant is already in UTC
        try:
            return datetime(int(year), number, int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        except (ValueError, OverflowError):  # day 31 of a short month, hour 24: the general parser decides
            return None
    offset = timedelta(hours=int(zone_hours), minutes=int(zone_minutes))
    try:
        zone = timezone(-offset if sign == "-" else offset)
        local = datetime(int(year), number, int(day), int(hour), int(minute), int(second), tzinfo=zone)
        return local.astimezone(UTC)
    except (ValueError, OverflowError):  # day 31 of a short month, hour 24, year 1 at +0100: the general parser decides
        return None
