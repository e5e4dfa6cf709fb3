"""Amazon SES receiving mail (its inbound endpoints, not a sender's SES bounce, which is the
`amazonses` family's): "This message could not be delivered." and an RFC 3464 report, sent with
an `X-SES-Outgoing` header field. Its replies name the reason in a few fixed words (as sisimai's
ReceivingSES module lists them: its "Mailbox does not exist" is its filter's answer, even under a
5.1.1); the status is often only `5.0.0`."""

from __future__ import annotations

from typing import Final

from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MARKER: Final = "this message could not be delivered."
MESSAGES: Final = phrase_table(
    {
        "filtered": ("mailbox does not exist",),
        "mesgtoobig": ("message too large",),
        "mailboxfull": ("mailbox full",),
        "contenterror": ("message content rejected",),
    }
)


def sniff(notice: Notice) -> bool:
    """SES's header field and its one-line text."""
    return "x-ses-outgoing" in notice.root.fields and MARKER in notice.intro


def refine(finding: Finding) -> Finding:
    """SES's fixed replies name the reason."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


FAMILY: Family = Family("receivingses", sniff, refine=refine)
