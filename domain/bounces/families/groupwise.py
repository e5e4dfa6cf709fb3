"""Novell/Micro Focus GroupWise (its Internet Agent, GWIA): "The message that you sent was
undeliverable to the following:" with one `addressee (reason)` line per recipient, the addressee
often only a local part, then "Possibly truncated original addressee:" with the full addresses."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import clean, find_addresses, local_part
from domain.bounces.family import Family, phrase_table, section
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MARKER: Final = "the message that you sent was undeliverable to the following:"
START: Final = re.compile(r"^\s*the message that you sent was undeliverable to the following:\s*$", re.IGNORECASE)
ORIGINALS: Final = re.compile(r"^\s*possibly truncated original addressee:\s*$", re.IGNORECASE)
# `\tjoe (user not found)`: the addressee as GroupWise knows it, and why it failed.
ENTRY: Final = re.compile(r"^\s+(\S[^()\n]{0,200}?)\s*\(([^()\n]{1,300})\)\s*$")
# GroupWise's own words for why an addressee failed (it looked the addressee up in its directory).
MESSAGES: Final = phrase_table(
    {
        "userunknown": ("user not found", "addressee unknown", "unknown user"),
        "mailboxfull": ("mailbox full", "mailbox is full", "over quota"),
        "hostunknown": ("host not found", "domain not found"),
    }
)


def sniff(notice: Notice) -> bool:
    """GroupWise's opening sentence."""
    return MARKER in notice.intro


def read(notice: Notice) -> list[Finding]:
    """Each listed addressee with its reason, completed from the original addressees."""
    originals = [a for a in (clean(x) for x in find_addresses(" ".join(section(notice.lines, ORIGINALS)))) if a]
    entries = [m.groups() for m in map(ENTRY.match, _paragraph(section(notice.lines, START))) if m]
    found = []
    for name, reason in entries:
        address = clean(name) if "@" in name else None
        if address is None:
            same = [a for a in originals if local_part(a) == name.strip().lower()]
            address = same[0] if same else (originals[0] if len(entries) == 1 and len(originals) == 1 else None)
        if address:
            found.append(Finding(address, reason.strip(), hint=MESSAGES(reason)))
    return found


def _paragraph(lines: list[str]) -> list[str]:
    """The first paragraph of `lines` (blank lines before it skipped)."""
    kept: list[str] = []
    for line in lines[:200]:
        if line.strip():
            kept.append(line)
        elif kept:
            break
    return kept


FAMILY: Family = Family("groupwise", sniff, read)
