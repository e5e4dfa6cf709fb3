"""Outlook.com (formerly Hotmail): "This is an automatically generated Delivery Status Notification"
with an RFC 3464 report, its header carrying `X-Message-Delivery` / `X-Message-Info`. Two of its
replies settle the reason whatever command they answered (as sisimai's Outlook module lists them).
Exchange Online's own non-delivery reports are the `exchange` family's."""

from __future__ import annotations

from typing import Final

from domain.bounces.families.exchange import NDR_HEADERS
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

HEADERS: Final = ("x-message-delivery", "x-message-info")
MESSAGES: Final = phrase_table(
    {
        "hostunknown": ("the mail could not be delivered to the recipient because the domain is not reachable",),
        "userunknown": ("requested action not taken: mailbox unavailable",),
    }
)


def sniff(notice: Notice) -> bool:
    """Two of Outlook.com's marks: its header fields, its subject, a hop through hotmail.com (an
    Exchange Online NDR carries the same fields: Exchange's own header marks it as Exchange's)."""
    fields = notice.root.fields
    if fields.keys().isdisjoint(HEADERS) or not fields.keys().isdisjoint(NDR_HEADERS):
        return False  # most notices have neither of its fields: that is settled first
    marks = sum(name in fields for name in HEADERS)
    marks += "delivery status notification" in notice.lower_subject
    return marks >= 2 or ".hotmail.com" in notice.received


def refine(finding: Finding) -> Finding:
    """Outlook.com's replies that name the reason."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


FAMILY: Family = Family("outlook", sniff, refine=refine)
