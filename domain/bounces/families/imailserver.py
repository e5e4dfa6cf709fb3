"""Ipswitch IMail Server: "Body of message generated response:" with `reason: rcpt` lines
("Unknown user: ...", "User mailbox exceeds allowed size: ..."), X-Mailer "<SMTP32 vN>"."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MARKER: Final = re.compile(r"body of message generated response:", re.IGNORECASE)
LINE: Final = re.compile(r"^\s*([^@\n]{3,200}?):\s*<?(" + ANY_ADDRESS + r")>?\s*$")
MESSAGES: Final = phrase_table(
    {
        "hostunknown": ("unknown host",),
        "userunknown": ("unknown user", "invalid final delivery userid"),
        "mailboxfull": ("user mailbox exceeds allowed size",),
        "securityerror": ("requested action not taken: mailbox unavailable",),
        "expired": ("delivery failed ",),
    }
)


def sniff(notice: Notice) -> bool:
    """IMail's X-Mailer or its sentence."""
    mailer = notice.root.get("x-mailer") if "x-mailer" in notice.root.fields else ""  # absent reads as ''
    return "smtp32" in mailer.lower() or "body of message generated response:" in notice.intro


def read(notice: Notice) -> list[Finding]:
    """`reason: address` lines."""
    found = []
    for line in notice.lines:
        match = LINE.match(line)
        address = clean(match.group(2)) if match else None
        if match and address:
            reason = match.group(1).strip()
            found.append(Finding(address, reason, hint=MESSAGES(reason)))
    return found


FAMILY: Family = Family("imailserver", sniff, read)
