"""Microsoft Exchange 2000/2003: "Your message ... did not reach the following recipient(s):", then
`rcpt on <date>`, the explanation and `<host #5.1.1>` (X-MS-Embedded-Report, X-MimeOLE)."""

from __future__ import annotations

import re

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.family import Family, phrase_table, section
from domain.bounces.findings import Finding, status_of
from domain.bounces.notice import Notice

MARKER = re.compile(r"did not reach the following recipient\(s\)", re.IGNORECASE)
RECIPIENT = re.compile(r"^\s*(" + ANY_ADDRESS + r")\s+on\s+\S", re.IGNORECASE)
HOST_CODE = re.compile(r"<[^<>#]{0,200}#([245]\.\d{1,3}\.\d{1,3})")
# The explanations Exchange 2000/2003 writes under a recipient (its "MSEXCH:IMS" NDR texts).
MESSAGES = phrase_table(
    {
        "userunknown": ("the recipient name is not recognized", "unknown recipient"),
    }
)


def sniff(notice: Notice) -> bool:
    """Exchange 2003's report header fields or its sentence."""
    if "x-ms-embedded-report" in notice.root.fields:
        return True
    if "produced by microsoft exchange" in notice.root.get("x-mimeole").lower():
        return True
    return "did not reach the following recipient(s)" in notice.intro


def read(notice: Notice) -> list[Finding]:
    """`address on date` lines and the indented explanation below each."""
    found: list[Finding] = []
    address = None
    lines: list[str] = []
    for line in section(notice.lines, MARKER):
        match = RECIPIENT.match(line)
        if match:
            _flush(found, address, lines)
            address, lines = clean(match.group(1)), []
        elif address and line.strip():
            lines.append(line.strip())
    _flush(found, address, lines)
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


FAMILY = Family("exchange2003", sniff, read, refine)
