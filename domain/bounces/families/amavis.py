"""amavisd-new: "Content-filter at <host>" as the sender's name and an RFC 3464 report whose diagnostic
ends in the content category that blocked the message (amavisd's `%smtp_reason_by_ccat`: "id=N -
spam", "- INFECTED: <virus>", "- BAD HEADER: ...", "- Message size exceeds recipient's size limit"):
the category names the reason."""

from __future__ import annotations

from typing import Final

from domain.bounces.family import Family, phrase_table, read_nothing
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

CATEGORIES: Final = phrase_table(
    {
        "spamdetected": (" - spam",),
        "virusdetected": (" - infected",),
        "contenterror": (" - bad header:",),
        "exceedlimit": (" - message size exceeds recipient",),
        "systemerror": (
            " - temporary mta failure on relaying",
            " - rejected by next-hop mta on relaying",
            " - unable to relay message back to mta",
        ),
    }
)


def sniff(notice: Notice) -> bool:
    """The content filter's name on From."""
    return notice.lower_from.lstrip().startswith('"content-filter at ')


def refine(finding: Finding) -> Finding:
    """The reason amavisd's content category names."""
    hint = CATEGORIES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


FAMILY: Family = Family("amavis", sniff, read_nothing, refine)
