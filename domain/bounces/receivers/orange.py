"""Orange and La Poste (France): replies carry a code like `OFR_416` or `LPN105_104` whose last three
digits name the error (Orange's postmaster pages, as sisimai's FrancePTT table lists them)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider

CODE: Final = re.compile(r"\b(?:lpn|lpnaaa|ofr|ouk)(?:_\d{3}|\d{3}[-_]\d{3})\b")
CODES: Final = {
    "101": "blocked",  # sisimai 5: the sending IP is on a block list (LPNAAA_101)
    "102": "blocked",
    "103": "blocked",
    "104": "toomanyconn",
    "305": "securityerror",
    "401": "blocked",
    "402": "securityerror",
    "403": "rejected",
    "405": "rejected",
    "415": "rejected",
    "416": "userunknown",
    "417": "mailboxfull",
    "418": "userunknown",
    "420": "suspend",
    "421": "rejected",
    "426": "suspend",
    "505": "systemerror",
    "506": "spamdetected",
    "510": "blocked",
    "514": "mesgtoobig",
    "517": "policyviolation",  # sisimai 5: DMARC verification failed
    "630": "policyviolation",  # sisimai 5: client host rejected
    "999": "blocked",
}


def reason(diagnostic: str, status: str) -> str:
    """The reason Orange's code names, 'undefined' for a code with none, '' without a code."""
    match = CODE.search(diagnostic)
    if match is None:
        return ""
    return CODES.get(match.group(0)[-3:], "undefined")


PROVIDER: Provider = Provider(
    "orange",
    hosts=re.compile(r"(?:^|\.)(?:orange\.fr|wanadoo\.fr|laposte\.net)$"),
    domains=re.compile(r"^(?:orange\.fr|wanadoo\.fr|laposte\.net)$"),
    reason=reason,
)
