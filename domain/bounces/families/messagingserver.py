"""Oracle (Sun, iPlanet) Communications Messaging Server: "This report relates to a message you sent
with the following header fields:", then per recipient "Recipient address:", "Reason:" and
"Diagnostic code:" lines, with a report."""

from __future__ import annotations

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER = "this report relates to a message you sent with the following header fields"


def sniff(notice: Notice) -> bool:
    """The report's first sentence."""
    return MARKER in notice.intro


def read(notice: Notice) -> list[Finding]:
    """ "Recipient address:" paragraphs."""
    return [f for f in scan(notice) if f.diagnostic]


FAMILY = Family("messagingserver", sniff, read)
