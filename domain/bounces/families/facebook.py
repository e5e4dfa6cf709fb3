"""Facebook: "Sorry, your message could not be delivered" from mailer-daemon@mx.facebook.com, an
RFC 3464 report whose diagnostic carries Facebook's response code (`RCP-P2`, `POL-T1`): the code,
not the status, names the reason (Facebook's postmaster "response codes" page, as sisimai lists it)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family, read_nothing
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

CODE: Final = re.compile(r"\b([a-z]{3}-[pt]\d)\b")
CODES: Final = {
    "rcp-p1": "userunknown",  # the recipient address does not exist
    "int-p1": "userunknown",
    "int-p3": "userunknown",  # the recipient group address does not exist
    "int-p4": "userunknown",
    "rcp-p2": "filtered",  # the recipient's preferences refuse the message
    "rcp-p3": "filtered",  # the recipient's privacy settings refuse it
    "pol-p1": "blocked",  # the sending IP is on the Spamhaus PBL
    "pol-p2": "blocked",  # mail from the sending IP is no longer accepted
    "msg-p1": "mesgtoobig",  # larger than Facebook's maximum size
    "int-p2": "mesgtoobig",
    "msg-p2": "contenterror",  # an attachment type Facebook does not accept
    "msg-p3": "contenterror",  # a header field that may appear once appears several times
    "pol-p6": "contenterror",  # a URL Facebook blocks
    "pol-p7": "contenterror",  # against Facebook's abuse or domain-authentication policies
    "pol-p3": "notaccept",  # the sending server is refused for hours (P: for 4 to 48 hours)
    "pol-p4": "notaccept",
    "pol-t1": "notaccept",  # T: the same, to be retried later
    "pol-t2": "notaccept",
    "pol-t3": "notaccept",
    "dns-p1": "rejected",  # the MAIL FROM domain does not exist
    "dns-p2": "rejected",  # the MAIL FROM domain has no MX record
    "dns-t1": "rejected",  # the MAIL FROM domain does not resolve now
    "dns-p3": "rejected",  # the sending server has no reverse DNS
    "dns-t2": "rejected",  # its reverse DNS does not resolve now
    "con-t1": "systemerror",  # Facebook's server has too many connections open
    "rcp-t1": "systemerror",  # the recipient is unavailable for an internal reason
    "con-t2": "toomanyconn",  # the sending server has too many connections open
    "con-t3": "toomanyconn",  # it opened too many connections too quickly
    "pol-p5": "virusdetected",
    "rcp-t4": "suspend",  # the recipient address is deactivated
}
INTERNAL: Final = re.compile(r"int-t\d$")  # Facebook's own temporary trouble


def sniff(notice: Notice) -> bool:
    """Facebook's mailer-daemon."""
    return "mailer-daemon@mx.facebook.com" in notice.lower_from


def refine(finding: Finding) -> Finding:
    """The reason Facebook's response code names."""
    match = CODE.search(finding.diagnostic.lower())
    if match is None:
        return finding
    code = match.group(1)
    hint = CODES.get(code) or ("systemerror" if INTERNAL.match(code) else None)
    return finding.with_(hint=hint) if hint else finding


FAMILY: Family = Family("facebook", sniff, read_nothing, refine)
