"""IBM (Lotus) Domino: "DELIVERY FAILURE: ..." with "Your message ... was not delivered to: <rcpt>
because: <reason>" (e.g. "User ... not listed in Domino Directory")."""

from __future__ import annotations

import re

from domain.bounces.addresses import clean, find_addresses
from domain.bounces.family import Family, section
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

SUBJECT = re.compile(r"^delivery[ _]failure:|^delivery failure\b", re.IGNORECASE)
NOT_DELIVERED = re.compile(r"was not delivered to:", re.IGNORECASE)
BECAUSE = re.compile(r"^\s*because:", re.IGNORECASE)


def sniff(notice: Notice) -> bool:
    """Domino's subject, or its two-part sentence."""
    if notice.lower_subject.startswith(("delivery failure", "delivery_failure")):
        return True
    return "was not delivered to:" in notice.intro and "because:" in notice.intro


def read(notice: Notice) -> list[Finding]:
    """The addresses before "because:", the reason after it."""
    lines = notice.lines
    addresses: list[str] = []
    for line in section(lines, NOT_DELIVERED, BECAUSE):
        addresses.extend(a for a in (clean(x) for x in find_addresses(line)) if a and a not in addresses)
    reason_lines: list[str] = []
    for line in section(lines, BECAUSE):
        if not line.strip():
            if reason_lines:
                break
            continue
        reason_lines.append(line.strip())
    diagnostic = " ".join(reason_lines)
    return [Finding(address, diagnostic) for address in addresses]


FAMILY = Family("domino", sniff, read)
