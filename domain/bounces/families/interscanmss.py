"""Trend Micro InterScan Messaging Security Suite: "InterScan MSS" or "InterScan Notification" as the
sender's name, or its subjects ("Mail could not be delivered" and two Japanese ones); the SMTP
session as `Sent <<< RCPT TO:<rcpt>` and `Received >>> 550 ...` lines, or "Unable to deliver
message to <rcpt>", which it writes for a recipient the remote server does not know."""

from __future__ import annotations

from typing import Final

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

NAMES: Final = ('"interscan mss"', '"interscan notification"')
SUBJECTS: Final = frozenset(
    {
        "mail could not be delivered",
        "\u30e1\u30c3\u30bb\u30fc\u30b8\u3092\u914d\u4fe1\u3067\u304d\u307e\u305b\u3093\u3002",
        "\u30e1\u30fc\u30eb\u914d\u4fe1\u306b\u5931\u6557\u3057\u307e\u3057\u305f",
    }
)
UNABLE: Final = "unable to deliver message to"


def sniff(notice: Notice) -> bool:
    """Its name on From, or one of its subjects."""
    return notice.lower_from.lstrip().startswith(NAMES) or notice.lower_subject.strip() in SUBJECTS


def refine(finding: Finding) -> Finding:
    """Its sentence for a recipient the remote server does not know names the reason."""
    return finding.with_(hint="userunknown") if UNABLE in finding.diagnostic.lower() else finding


def read(notice: Notice) -> list[Finding]:
    """The recipients in the prose (its session lines and sentence), refined."""
    return [refine(f) for f in scan(notice)]


FAMILY: Family = Family("interscanmss", sniff, read, refine)
