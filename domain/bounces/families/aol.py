"""AOL Mail: Postfix's notification (its text and report) from AOL's outbound relays, marked by
X-AOL-IP. AOL's resolver failures settle the reason: a malformed reply to the MX lookup is a domain
that does not accept mail, a name not found an unknown host."""

from __future__ import annotations

from typing import Final

from domain.bounces.families import postfix
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MESSAGES: Final = phrase_table(
    {
        "notaccept": ("type=mx: malformed or unexpected name server reply",),
        "hostunknown": ("host or domain name not found",),
    }
)


def sniff(notice: Notice) -> bool:
    """AOL's header."""
    return "x-aol-ip" in notice.root.fields


def refine(finding: Finding) -> Finding:
    """AOL's resolver messages."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


def read(notice: Notice) -> list[Finding]:
    """Postfix's recipient lines, refined."""
    return [refine(f) for f in postfix.read(notice)]


FAMILY: Family = Family("aol", sniff, read, refine)
