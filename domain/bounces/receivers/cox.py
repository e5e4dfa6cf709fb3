"""Cox: replies carry `AUP#CODE` naming the error, or say it in words.

Source: Cox's "Email error codes" page (cox.com/residential/support/email-error-codes.html), as
sisimai's table lists it.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider, phrase_reason

CODE: Final = re.compile(r"aup#([0-9a-z]+)")
CODES: Final = {
    "cxbl": "blocked",  # the sending IP is blocked for spam-like behaviour
    "cxthrt": "securityerror",  # sending limited for suspicious account activity
    "cxmj": "securityerror",  # sending blocked for suspicious activity on the primary account
    "cxdns": "requireptr",  # the connecting IP's reverse DNS lookup fails (sisimai 5; 4.x: blocked)
    "cxsndr": "authfailure",  # the sender domain's SPF/DKIM checks fail (sisimai 5; 4.x: rejected)
    "cxsmtp": "rejected",  # the sender could not be verified as legitimate
    "cxcnct": "toomanyconn",  # too many concurrent connections from the IP
    "cxmxrt": "toomanyconn",  # the sender exceeded the number of messages allowed
    "cdrbl": "blocked",  # the sending IP is temporarily blocked for spam-like behaviour
    "urlbl011": "spamdetected",  # a URL in the body is on SURBL and Spamhaus DBL
    "urlbl101": "spamdetected",  # a URL in the body is on SURBL and ivmURI
    "urlbl110": "spamdetected",  # a URL in the body is on Spamhaus DBL and ivmURI
    "urlbl1001": "spamdetected",  # a URL is on a Spamhaus list
}
IP_LISTED: Final = re.compile(r"ipbl[01]{4,5}$")  # the sending IP is on one or more DNS block lists
MESSAGES: Final = (
    ("blocked", ("cox too many bad commands from", "too many invalid recipients")),
    ("requireptr", ("rejected - no rdns", "dns check failure - try again later")),
    ("systemerror", ("esmtp server temporarily not available",)),
    ("policyviolation", ("esmtp no data before greeting", "attachment extension is forbidden")),
    ("rejected", ("sender rejected",)),
    ("toomanyconn", ("too many sessions from", "requested action aborted: try again later",
                     "message threshold exceeded")),
    ("userunknown", ("recipient rejected",)),
)  # fmt: skip


_by_message = phrase_reason(MESSAGES)


def reason(diagnostic: str, status: str) -> str:
    """The reason Cox's AUP code or its message names, or ''."""
    match = CODE.search(diagnostic)
    if match is not None:
        code = match.group(1)
        if code in CODES:
            return CODES[code]
        if IP_LISTED.match(code):
            return "blocked"
    return _by_message(diagnostic, status)


PROVIDER: Provider = Provider(
    "cox",
    hosts=re.compile(r"cox\.net"),
    domains=re.compile(r"^cox\.net$"),
    reason=reason,
)
