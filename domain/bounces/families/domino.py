"""IBM (Lotus) Domino: "DELIVERY FAILURE: ..." with "Your message ... was not delivered to: <rcpt>
because: <reason>" (e.g. "User ... not listed in Domino Directory"), in French "n'a pas été remis à :
... parce que :". Its sentences that settle the reason, in English, French and Japanese, as sisimai's
Domino module lists them."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import clean, find_addresses
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

# Domino's own sentences that settle the reason (its "not listed in Domino Directory" is an unknown user).
MESSAGES: Final = phrase_table(
    {
        "userunknown": (
            "not listed in domino directory",
            "not listed in public name & address book",
            "no such user",
            "user not found in domino directory",
            "non r\u00e9pertori\u00e9 dans l'annuaire domino",
            "no se encuentra en el directorio de domino",
            "domino \u30c7\u30a3\u30ec\u30af\u30c8\u30ea\u306b\u306f\u898b\u3064\u304b\u308a\u307e\u305b\u3093",
        ),
        "filtered": (
            "cannot deliver to the recipient because of the recipient's preferences",
            "cannot route mail to user",
        ),
        "mesgtoobig": ("message size exceeds the limit set by the administrator",),
        "systemerror": ("several matches found in domino directory",),
    }
)
SUBJECT: Final = re.compile(r"^delivery[ _]failure:|^delivery failure\b", re.IGNORECASE)
NOT_DELIVERED: Final = re.compile(r"was not delivered to:|n'a pas \u00e9t\u00e9 remis \u00e0\s?:", re.IGNORECASE)
BECAUSE: Final = re.compile(r"^\s*(?:because|parce que)\s?:", re.IGNORECASE)


def sniff(notice: Notice) -> bool:
    """Domino's subject, or its two-part sentence."""
    if notice.lower_subject.startswith(("delivery failure", "delivery_failure")):
        return True
    return "was not delivered to:" in notice.intro and "because:" in notice.intro


def read(notice: Notice) -> list[Finding]:
    """Each block's addresses (before "because:") with its reason (the paragraph after it)."""
    found: list[Finding] = []
    addresses: list[str] = []
    reason: list[str] | None = None
    listing = False
    for line in notice.lines:
        if NOT_DELIVERED.search(line):
            _flush(found, addresses, reason)
            addresses, reason, listing = [], None, True
        elif BECAUSE.match(line):
            reason, listing = [], False
        elif listing:
            for written in find_addresses(line):  # a loop, not extend(generator): each sees the one before
                address = clean(written)
                if address and address not in addresses:
                    addresses.append(address)
        elif reason is not None and line.strip():
            reason.append(line.strip())
        elif reason:
            _flush(found, addresses, reason)
            addresses, reason = [], None
    _flush(found, addresses, reason)
    return found


def _flush(found: list[Finding], addresses: list[str], reason: list[str] | None) -> None:
    diagnostic = " ".join(reason or [])
    hint = MESSAGES(diagnostic)
    found.extend(Finding(address, diagnostic, hint=hint) for address in addresses)


FAMILY: Family = Family("domino", sniff, read, lambda f: f.with_(hint=f.hint or MESSAGES(f.diagnostic)))
