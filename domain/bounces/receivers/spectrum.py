"""Spectrum (Charter): replies carry `AUP#I-NNNN` (incoming) or `AUP#O-NNNN` (outgoing), whose
number names the error.

Source: Spectrum's "Understanding email error codes" page
(spectrum.net/support/internet/understanding-email-error-codes), as sisimai 5's table lists it: a
failed reverse DNS is requireptr and the message and recipient limits speeding (4.x: blocked,
toomanyconn). sisimai 5 misspells the Spamhaus range's reason; here it is `blocked`.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider

CODE: Final = re.compile(r"aup#[-a-z]*(\d{4})")
CODES: Final = {
    1000: "blocked",  # the IP was blocked for suspicious activity
    1010: "rejected",  # the sending account was blocked for suspicious activity
    1090: "systemerror",  # the message cannot be processed now
    1260: "networkerror",  # IPv6 is not accepted
    1500: "rejected",  # sending as another address than the one signed in
    1520: "rejected",  # sending as an address of a domain Spectrum does not host
    1530: "mesgtoobig",  # larger than 20 MB
    1540: "speeding",  # too many messages in one session
    1550: "speeding",  # too many recipients in one message
    1560: "policyviolation",  # too many invalid recipients
    1580: "speeding",  # too many recipients in a short time
}
RANGES: Final = (
    (1020, 1080, "rejected"),  # the account's sending is limited for suspicious activity
    (1100, 1150, "requireptr"),  # the connecting IP has no full-circle (reverse) DNS
    (1160, 1190, "policyviolation"),  # against the domain's security policies
    (1200, 1210, "blocked"),  # the IP is flagged by Cloudmark CSI
    (1220, 1250, "blocked"),  # the IP is on Spamhaus's list
    (1300, 1340, "toomanyconn"),  # too many concurrent connections
    (1350, 1490, "speeding"),  # too many messages, recipients or invalid recipients
)


def reason(diagnostic: str, status: str) -> str:
    """The reason Spectrum's AUP code names, or ''."""
    match = CODE.search(diagnostic)
    if match is None:
        return ""
    code = int(match.group(1))
    if code in CODES:
        return CODES[code]
    return next((name for low, high, name in RANGES if low <= code <= high), "")


PROVIDER: Provider = Provider(
    "spectrum",
    hosts=re.compile(r"charter\.net|(?:^|\.)spectrum\.net$"),
    domains=re.compile(r"^(?:charter\.net|spectrum\.net)$"),
    reason=reason,
)
