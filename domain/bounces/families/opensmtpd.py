"""OpenSMTPD: "This is the MAILER-DAEMON, please DO NOT REPLY to this email." then "An error has
occurred while attempting to deliver a message for the following list of recipients:" and one
`rcpt: reply` line each (smtpd/bounce.c). Its own error strings settle the reason (the ones
sisimai's OpenSMTPD module lists)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER: Final = re.compile(
    r"this is the mailer-daemon, please do not reply to this e-?mail|"
    r"an error has occurred while attempting to deliver a message for"
)
# Text every MARKER match holds: a substring test rules most notices out without the pattern.
MARKER_WORDS: Final = ("please do not reply to this e", "while attempting to deliver a message for")

MESSAGES: Final = phrase_table(
    {
        "expired": ("envelope expired",),
        "hostunknown": ("invalid domain name", "domain does not exist"),
        "notaccept": ("destination seem to reject all mails",),
        "networkerror": (
            "address family mismatch on destination mxs",
            "all routes to destination blocked",
            "bad dns lookup error code",
            "could not retrieve source address",
            "loop detected",
            "network error on destination mxs",
            "no mx found for domain",
            "no mx found for destination",
            "no valid route to remote mx",
            "no valid route to destination",
            "temporary failure in mx lookup",
        ),
        "securityerror": ("could not retrieve credentials",),
    }
)


def sniff(notice: Notice) -> bool:
    """OpenSMTPD's opening."""
    intro = notice.intro
    return "mailer-daemon" in intro and any(words in intro for words in MARKER_WORDS) and bool(MARKER.search(intro))


def refine(finding: Finding) -> Finding:
    """OpenSMTPD's own error strings name the reason."""
    hint = MESSAGES(finding.diagnostic)
    return finding.with_(hint=hint) if hint else finding


def read(notice: Notice) -> list[Finding]:
    """`recipient: reply` lines."""
    return [refine(f) for f in scan(notice)]


FAMILY: Family = Family("opensmtpd", sniff, read, refine)
