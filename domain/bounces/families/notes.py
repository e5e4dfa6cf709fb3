"""Lotus Notes (before Domino's wording): "------- Failure Reasons --------", each reason line followed
by the address it concerns, up to "------- Returned Message --------"."""

from __future__ import annotations

import re

from domain.bounces.addresses import clean, find_addresses
from domain.bounces.family import Family, section
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

START = re.compile(r"^-+ ?failure reasons ?-+", re.IGNORECASE | re.MULTILINE)
END = re.compile(r"^-+ ?returned message ?-+", re.IGNORECASE | re.MULTILINE)


def sniff(notice: Notice) -> bool:
    """Notes' section marker."""
    return "failure reasons" in notice.intro and bool(START.search(notice.intro))


def read(notice: Notice) -> list[Finding]:
    """Each address with the reason line(s) before it."""
    found: list[Finding] = []
    reason = ""
    pending: list[str] = []
    for line in section(notice.lines, START, END):
        addresses = [a for a in (clean(x) for x in find_addresses(line)) if a]
        if addresses:
            reason, pending = (" ".join(pending), []) if pending else (reason, pending)
            found.extend(Finding(a, reason) for a in addresses)
        elif line.strip():
            pending.append(line.strip())
    return found


FAMILY = Family("notes", sniff, read)
