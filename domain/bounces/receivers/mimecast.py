"""Mimecast (a gateway in front of its customers' own domains): the replies it documents, each a reply
code with its words (Mimecast's "SMTP error codes" knowledge-base page, as sisimai's table lists it).
Recognised by its hosts only: the recipients' domains are the customers'."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.codes import reply_in
from domain.bounces.receivers.provider import Provider

NEVER: Final = re.compile(r"(?!)")
REPLIES: tuple[tuple[str, str, str], ...] = (
    ("421", "sender address blocked", "blocked"),
    ("451", "recipient temporarily unavailable", "blocked"),
    ("451", "ip temporarily blacklisted", "blocked"),
    # sisimai 5 files failed SPF/DKIM/DMARC checks as authfailure and a poor IP reputation as
    # badreputation (4.x: blocked), and adds the expired journal, the wrong inbound hostname and
    # the unauthenticated submitter.
    ("451", "internal resources are temporarily unavailable", "badreputation"),
    ("550", "local ct ip reputation - (reject)", "badreputation"),
    ("550", "spf sender invalid - envelope rejected", "authfailure"),
    ("550", "dkim sender invalid - envelope rejected", "authfailure"),
    ("550", "dmarc sender invalid - envelope rejected", "authfailure"),
    ("550", "journal messages past the expiration", "expired"),
    ("451", "the incorrect hostname used for inbounds", "networkerror"),
    ("550", "the incorrect hostname used for inbounds", "networkerror"),
    ("554", "maximum email size exceeded", "mesgtoobig"),
    ("554", "mail loop detected", "networkerror"),
    ("451", "open relay not allowed", "norelaying"),
    ("451", "open relay is not allowed", "norelaying"),
    ("451", "account inbounds disabled", "notaccept"),
    ("451", "account outbounds disabled", "onhold"),
    ("451", "hostname is not authorized", "onhold"),
    ("550", "journal message past expiration", "onhold"),
    ("550", "anti-spoofing policy - inbound not allowed", "policyviolation"),
    ("550", "rejected by header-based anti-spoofing policy", "policyviolation"),
    ("550", "message bounced due to content examination policy", "policyviolation"),
    ("554", "host network not allowed", "policyviolation"),
    ("554", "host network, not allowed", "policyviolation"),
    ("550", "administrative prohibition envelope blocked", "rejected"),
    ("550", "envelope blocked \u2013 user entry", "rejected"),
    ("550", "envelope blocked \u2013 user domain entry", "rejected"),
    ("550", "envelope blocked - user entry", "rejected"),
    ("550", "envelope blocked - user domain entry", "rejected"),
    ("550", "rejected by header-based manually blocked senders", "rejected"),
    ("550", "rejected by header-based blocked senders", "rejected"),
    ("550", "envelope rejected - block policy for envelope from address", "rejected"),
    ("535", "incorrect authentication data", "securityerror"),
    ("550", "submitter failed to disabled", "securityerror"),
    ("550", "submitter failed to authenticate", "securityerror"),
    ("553", "this route requires encryption (tls)", "securityerror"),
    ("553", "this route requires tls version 1.2 or greater", "securityerror"),
    ("553", "this route requires high-strength ciphers", "securityerror"),
    ("554", "configuration is invalid for this certificate", "securityerror"),
    ("451", "unable to process connection at this time", "systemerror"),
    ("451", "message ended early", "systemerror"),
    ("451", "unable to process command", "systemerror"),
    ("451", "unable to process an email at this time", "systemerror"),
    ("451", "account service is temporarily unavailable", "toomanyconn"),
    ("452", "too many recipients", "toomanyconn"),
    ("550", "exceeding outbound thread limit", "toomanyconn"),
    ("501", "invalid address", "userunknown"),
    ("503", "user unknown", "userunknown"),
    ("550", "invalid recipient", "userunknown"),
    ("554", "email rejected due to security policies", "virusdetected"),
)


def reason(diagnostic: str, status: str) -> str:
    """The reason Mimecast documents for its reply code and words, or ''."""
    reply = reply_in(diagnostic)
    return next((name for code, words, name in REPLIES if code == reply and words in diagnostic), "")


PROVIDER: Provider = Provider("mimecast", hosts=re.compile(r"\.mimecast\.com$"), domains=NEVER, reason=reason)
