"""GoDaddy (secureserver.net): replies end with an `IBnnn` code naming the error, or say it in words.

Source: GoDaddy Help, "What does my email bounceback mean?" (godaddy.com/help/3568), as sisimai's
table lists it. sisimai 5 re-filed several codes: a busy server and hourly or per-session limits
are speeding (4.x: expired, toomanyconn), a poor Cloudmark reputation badreputation, a failed
reverse DNS requireptr, a blank or IP-address From: notcompliantrfc and an SPF record that does
not authorise the sender authfailure (4.x: blocked, rejected).
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider, phrase_reason

CODE: Final = re.compile(r"\s(ib\d{3})\b")
CODES: Final = {
    "ib007": "toomanyconn",  # too many sessions from this IP
    "ib101": "speeding",  # server temporarily unavailable (higher than normal volume)
    "ib103": "badreputation",  # poor reputation on Cloudmark CSI
    "ib104": "blocked",  # on the Spamhaus Block List
    "ib105": "blocked",  # on the Exploits Block List
    "ib106": "blocked",  # on the Policy Block List
    "ib108": "requireptr",  # reverse DNS for the IP failed
    "ib110": "blocked",  # blocked for sending spam
    "ib111": "blocked",  # blocked for the day for sending spam
    "ib112": "blocked",  # blocked for mailing too many invalid recipients
    "ib113": "blocked",  # blocked for the day for mailing too many invalid recipients
    "ib212": "spamdetected",  # content judged to be spam
    "ib401": "securityerror",  # authentication not allowed
    "ib501": "notcompliantrfc",  # blank From: address
    "ib502": "notcompliantrfc",  # an IP address as the From: address
    "ib504": "speeding",  # too many messages this hour
    "ib506": "rejected",  # invalid From: domain
    "ib508": "authfailure",  # invalid SPF record
    "ib510": "speeding",  # too many messages in one session
    "ib607": "speeding",  # too many recipients this hour
    "ib705": "virusdetected",  # virus-infected message
}
MESSAGES: Final = (
    ("blocked", ("www.spamhaus.org/query/bl?ip=", "rbl reject")),
    (
        "expired",
        (
            "delivery timeout",
            "has been in the queue too long",
            "451 sorry, i wasn't able to establish an smtp connection.",
        ),
    ),
    ("spamdetected", ("message rejected for spam or virus content",)),
    ("suspend", ("account disabled",)),
    ("systemerror", ("message is looping",)),
    ("mailboxfull", ("account storage limit",)),
    ("userunknown", ("account does not exist", "recipient not found")),
)


_by_message = phrase_reason(MESSAGES)


def reason(diagnostic: str, status: str) -> str:
    """The reason GoDaddy's IB code or its message names, or ''."""
    match = CODE.search(diagnostic)
    if match is not None and match.group(1) in CODES:
        return CODES[match.group(1)]
    return _by_message(diagnostic, status)


PROVIDER: Provider = Provider(
    "godaddy",
    hosts=re.compile(r"^(?:smtp|mailstore1)\.secureserver\.net$"),
    domains=re.compile(r"^secureserver\.net$"),
    reason=reason,
)
