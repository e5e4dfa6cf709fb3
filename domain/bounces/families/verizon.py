"""Verizon Wireless's text and picture gateways (vtext.com, vzwpix.com): "Error: ...", "Error message
below:" and the reply (`550 - Requested action not taken: ...`), then "Message details:" with the
indented envelope (`RCPT TO: rcpt`); the picture gateway writes "Message could not be delivered to
mobile", `To: rcpt` and "Error: ...". The gateways' own replies settle the reason."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import first_address
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

SENDER: Final = re.compile(r"post_master@vtext\.com|sysadmin@\S*vzwpix\.com")
ERROR: Final = re.compile(r"^error:\s+(.+)$", re.IGNORECASE)
MESSAGES: Final = phrase_table(
    {"userunknown": ("550 - requested action not taken: no such user here", "no valid recipients for this mm")}
)


def sniff(notice: Notice) -> bool:
    """From the gateway's postmaster, with its "Error:" line."""
    return bool(SENDER.search(notice.lower_from)) and "error:" in notice.intro


def read(notice: Notice) -> list[Finding]:
    """Each envelope recipient (`RCPT TO:` or `To:`) with the reply (or the error) written above it."""
    found: dict[str, str] = {}
    error, reply, in_reply = "", "", False
    for line in notice.lines[:400]:
        stripped = line.strip()
        lowered = stripped.lower()
        if ERROR.match(stripped):
            error, reply, in_reply = stripped, "", False
        elif lowered.startswith("error message below"):
            in_reply = True
        elif in_reply and stripped:
            reply = f"{reply} {stripped}".strip()
        elif in_reply:
            in_reply = not reply  # the reply ends at the blank line after it
        elif lowered.startswith(("rcpt to:", "to:")) and (address := first_address(stripped)):
            if address not in notice.own_addresses:
                found.setdefault(address, reply or error)
    return [Finding(a, diagnostic, hint=MESSAGES(diagnostic)) for a, diagnostic in found.items()]


FAMILY: Family = Family("verizon", sniff, read)
