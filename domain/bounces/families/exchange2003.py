"""Microsoft Exchange 2000/2003: "Your message ... did not reach the following recipient(s):" or "The
following recipient(s) could not be reached:", then `rcpt on <date>`, the explanation and
`<host #5.1.1>` (X-MS-Embedded-Report, X-MimeOLE). Where Exchange names a recipient by display name
only, the returned original's To, Cc or Bcc field gives the address: when exactly one addressee has
that name, never by guessing."""

from __future__ import annotations

import re
from email.utils import getaddresses
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.family import Family, phrase_table, section
from domain.bounces.findings import Finding, status_of
from domain.bounces.notice import Notice

MARKER: Final = re.compile(
    r"did not reach the following recipient\(s\)|the following recipient\(s\) could not be reached", re.IGNORECASE
)
INTRO: Final = "your message did not reach some or all of the intended recipients"
RECIPIENT: Final = re.compile(r"^\s*['\"]?(" + ANY_ADDRESS + r")['\"]?\s+on\s+\S", re.IGNORECASE)
# A display name (quoted or not) and the date Exchange writes after it ("Sam Taylor on 12/1/2026 8:00 AM").
NAMED: Final = re.compile(
    r"^\s{1,40}['\"]?([^'\"@<>\s][^'\"@<>]{0,99}?)['\"]?\s+on\s+(?:\d{1,4}[/.-]|[A-Z][a-z]{2},? )"
)
MAX_ADDRESSEES: Final = 200
HOST_CODE: Final = re.compile(r"<[^<>#]{0,200}#([245]\.\d{1,3}\.\d{1,3})")
# The explanations Exchange 2000/2003 writes under a recipient (its "MSEXCH:IMS" NDR texts).
MESSAGES: Final = phrase_table(
    {
        "userunknown": ("the recipient name is not recognized", "unknown recipient"),
    }
)


def sniff(notice: Notice) -> bool:
    """Exchange 2003's report header fields or its sentence."""
    if "x-ms-embedded-report" in notice.root.fields:
        return True
    fields = notice.root.fields  # an absent field reads as '': looked for first, it costs no reading
    if "x-mimeole" in fields and "produced by microsoft exchange" in notice.root.get("x-mimeole").lower():
        return True
    return "did not reach the following recipient(s)" in notice.intro or INTRO in notice.intro


def read(notice: Notice) -> list[Finding]:
    """`address on date` (or `display name on date`) lines and the indented explanation below each."""
    found: list[Finding] = []
    address = None
    lines: list[str] = []
    names: dict[str, str | None] | None = None
    for line in section(notice.lines, MARKER):
        match = RECIPIENT.match(line)
        named = None if match else NAMED.match(line)
        if match is not None:
            _flush(found, address, lines)
            address, lines = clean(match.group(1)), []
        elif named is not None:
            _flush(found, address, lines)
            names = _addressees(notice) if names is None else names
            address, lines = names.get(named.group(1).lower()), []
        elif address and line.strip():
            lines.append(line.strip())
    _flush(found, address, lines)
    return found


def _addressees(notice: Notice) -> dict[str, str | None]:
    """The returned original's addressees by lower-cased display name (None for a name two share)."""
    original = notice.original
    if original is None:
        return {}
    values = [v for name in ("to", "cc", "bcc") for v in original.get_all(name)]
    found: dict[str, str | None] = {}
    for display, address in getaddresses(values)[:MAX_ADDRESSEES]:
        key, cleaned = display.strip().lower(), clean(address)
        if key and cleaned:
            found[key] = cleaned if found.get(key, cleaned) == cleaned else None
    return found


def _flush(found: list[Finding], address: str | None, lines: list[str]) -> None:
    if not address:
        return
    diagnostic = " ".join(lines)
    code = HOST_CODE.search(diagnostic)
    found.append(refine(Finding(address, diagnostic, code.group(1) if code else status_of(diagnostic))))


def refine(finding: Finding) -> Finding:
    """Exchange's own explanations settle the reason."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


FAMILY: Family = Family("exchange2003", sniff, read, refine)
