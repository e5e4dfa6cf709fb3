"""Oracle (Sun, iPlanet) Communications Messaging Server: "This report relates to a message you sent
with the following header fields:", then per recipient "Recipient address:", "Reason:" and
"Diagnostic code:" lines, with a report. "Reason: Remote SMTP server has rejected address" says the
remote server refused the recipient (RCPT); "Illegal host/domain name found", an unknown host."""

from __future__ import annotations

from domain.bounces.commands import RCPT
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER = "this report relates to a message you sent with the following header fields"


def sniff(notice: Notice) -> bool:
    """The report's first sentence."""
    return MARKER in notice.intro


def refine(finding: Finding) -> Finding:
    """The server's own reason lines."""
    text = finding.diagnostic.lower()
    if "illegal host/domain name found" in text:
        return finding.with_(hint="hostunknown")
    if "has rejected address" in text:
        return finding.with_(command=finding.command or RCPT)
    return finding


def read(notice: Notice) -> list[Finding]:
    """ "Recipient address:" paragraphs."""
    return [refine(f) for f in scan(notice) if f.diagnostic]


FAMILY = Family("messagingserver", sniff, read, refine)
