"""Zoho Mail: "This message was created automatically by mail delivery software." (Exim's sentence)
with an `X-ZohoMail` header field, then either `address reply...` lines or bracketed
`[Status: Error, Address: <address>, ResponseCode 421, , reply]` lines. "Host not reachable" is
its word for a message it gave up retrying (as sisimai's Zoho module reads it)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MARKER: Final = "this message was created automatically by mail delivery"
RECIPIENT: Final = re.compile(r"^(" + ANY_ADDRESS + r")[ \t]+(\S.*)$")
STATUS_LINE: Final = re.compile(r"^\[Status: [^<\n]{0,200}<(" + ANY_ADDRESS + r")>,", re.IGNORECASE)
MESSAGES: Final = phrase_table({"expired": ("host not reachable",)})


def sniff(notice: Notice) -> bool:
    """Zoho's header field and the sentence it shares with Exim."""
    return "x-zohomail" in notice.root.fields and MARKER in notice.intro


def refine(finding: Finding) -> Finding:
    """Zoho's "Host not reachable" is a message that expired in its queue."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


def read(notice: Notice) -> list[Finding]:
    """Each recipient line after the opening sentence, the rest of the line its reply."""
    found: list[Finding] = []
    started = False
    for line in notice.lines:
        if not started:
            started = MARKER in line.lower()
            continue
        if "@" not in line:
            continue
        stripped = line.strip()
        if (match := STATUS_LINE.match(stripped)) is not None:
            address, diagnostic = clean(match.group(1)), stripped
        elif (match := RECIPIENT.match(stripped)) is not None:
            address, diagnostic = clean(match.group(1)), match.group(2)
        else:
            continue
        if address and address not in notice.own_addresses:
            found.append(refine(Finding(address, diagnostic)))
    return found


FAMILY: Family = Family("zoho", sniff, read, refine)
