"""Courier MTA: "This is a delivery status notification from ..., running the Courier mail server",
"UNDELIVERABLE MAIL", then `<rcpt>:` with the SMTP dialogue (`>>> RCPT TO:`, `<<< 550 ...`)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan
from domain.bounces.text import LineStarts

# Its introduction's words, and its UNDELIVERABLE MAIL line (found from line starts only).
SERVER: Final = re.compile(r"running the courier mail server|courier mail server at")
UNDELIVERABLE: Final = LineStarts(r"\s*undeliverable mail\s*$")
# Courier's own errors when no remote server answered (courier/module.esmtp/esmtpclient.c).
MESSAGES: Final = phrase_table(
    {
        "hostunknown": ("no such domain.",),
        "systemerror": ("this domain's dns violates rfc 1035.",),
        "networkerror": ("dns lookup failed.",),
    }
)


# Courier signs as "Courier mail server at <host>" and titles its notices (courier/module.dsn).
SENDER: Final = "courier mail server at "
SUBJECTS: Final = ("notice: mail delivery status.", "warning: delayed mail.")


def sniff(notice: Notice) -> bool:
    """Courier's introduction, its sender's name, its subjects, or its Message-ID."""
    intro = notice.intro
    if "courier mail server" in intro and SERVER.search(intro):
        return True
    if "undeliverable mail" in intro and UNDELIVERABLE.search(intro) is not None:
        return True
    if SENDER in notice.sender.lower() or notice.lower_subject.strip() in SUBJECTS:
        return True
    return ".courier" in notice.root.get("message-id").lower()


def refine(finding: Finding) -> Finding:
    """Courier's own DNS errors settle the reason."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


def read(notice: Notice) -> list[Finding]:
    """`<recipient>:` blocks."""
    return [refine(f) for f in scan(notice)]


FAMILY: Family = Family("courier", sniff, read, refine)
