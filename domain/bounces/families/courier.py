"""Courier MTA: "This is a delivery status notification from ..., running the Courier mail server",
"UNDELIVERABLE MAIL", then `<rcpt>:` with the SMTP dialogue (`>>> RCPT TO:`, `<<< 550 ...`)."""

from __future__ import annotations

import re

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER = re.compile(r"running the courier mail server|courier mail server at|^\s*undeliverable mail\s*$", re.M)


def sniff(notice: Notice) -> bool:
    """Courier's introduction, or its Message-ID."""
    intro = notice.intro
    return (
        ("courier" in intro or "undeliverable mail" in intro) and bool(MARKER.search(intro))
    ) or ".courier" in notice.root.get("message-id").lower()


def read(notice: Notice) -> list[Finding]:
    """`<recipient>:` blocks."""
    return scan(notice)


FAMILY = Family("courier", sniff, read)
