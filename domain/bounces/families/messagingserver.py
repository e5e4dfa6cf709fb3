"""Oracle (Sun, iPlanet) Communications Messaging Server: "This report relates to a message you sent
with the following header fields:", then per recipient "Recipient address:", "Reason:" and
"Diagnostic code:" lines, with a report. "Illegal host/domain name found" is an unknown host. "Reason:
Remote SMTP server has rejected address" names no SMTP command (sisimai 5 takes none from it either):
the remote reply decides, so an unknown user refused with a 5.7.x code reads as `filtered`, as
sisimai 5 reads it."""

from __future__ import annotations

from typing import Final

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER: Final = "this report relates to a message you sent with the following header fields"


def sniff(notice: Notice) -> bool:
    """The report's first sentence."""
    return MARKER in notice.intro


def refine(finding: Finding) -> Finding:
    """The server's own reason lines."""
    text = finding.diagnostic.lower()
    if "illegal host/domain name found" in text:
        return finding.with_(hint="hostunknown")
    return finding


def read(notice: Notice) -> list[Finding]:
    """ "Recipient address:" paragraphs."""
    return [refine(f) for f in scan(notice) if f.diagnostic]


FAMILY: Family = Family("messagingserver", sniff, read, refine)
