"""PowerMTA: "Hello, this is the mail server on <host>." under the subject "Delivery report", an RFC 3464
report whose recipient blocks carry PowerMTA's own `X-PowerMTA-BounceCategory` field. The category
is PowerMTA's classification of the reply and settles the reason (the categories and their reasons
as sisimai's PowerMTA module lists them)."""

from __future__ import annotations

from typing import Final

from domain.bounces import report
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MARKER: Final = "hello, this is the mail server on "
CATEGORY: Final = "x-powermta-bouncecategory"
CATEGORIES: Final = {
    "bad-domain": "hostunknown",
    "bad-mailbox": "userunknown",
    "inactive-mailbox": "suspend",
    "message-expired": "expired",
    "no-answer-from-host": "networkerror",
    "policy-related": "policyviolation",
    "quota-issues": "mailboxfull",
    "routing-errors": "systemerror",
    "spam-related": "spamdetected",
}


def sniff(notice: Notice) -> bool:
    """PowerMTA's subject and its greeting line."""
    return "delivery report" in notice.lower_subject and MARKER in notice.intro


def read(notice: Notice) -> list[Finding]:
    """Each recipient of the report with the reason its bounce category names."""
    found = []
    for text in notice.status_texts:
        for group in report.read_fields(text)[1]:
            item = report.entry(group)
            if item.address:
                category = group.get(CATEGORY, "").strip().lower()
                found.append(Finding(item.address, item.diagnostic, hint=CATEGORIES.get(category)))
    return found


FAMILY: Family = Family("powermta", sniff, read, completes_report=True)
