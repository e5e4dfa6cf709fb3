"""Gmail and Google Workspace: the SMTP replies Google documents, and the reason each one means.

Source: Google Workspace Admin Help, "SMTP error reference" (support.google.com/a/answer/3726730),
and the Gmail sender guidelines pages it links; each entry is (phrase in the reply, status class).
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.literals import alternation
from domain.bounces.receivers.provider import Provider

REPLIES: dict[str, tuple[str, ...]] = {
    "authfailure": (
        "the spf record of the sending domain",
        "senders to authenticate with either spf or dkim",
        "fails to pass spf checks for an spf record with a hard fail",
        "has an spf record with a hard fail policy",
        "is not accepted due to domain's dmarc policy",
        "fails to pass authentication checks",
        "senders to authenticate with spf",
        "senders to authenticate their email with spf",
        "senders to authenticate their email with dkim",
        "senders to authenticate with dkim",
        "aligned with either the authenticated spf or dkim",
    ),
    "badreputation": (
        "very low reputation of the sending ip address",
        "very low reputation of the sending domain",
    ),
    "blocked": (
        "ip not in whitelist for rcpt domain",
        "try again later, closing connection.",
        "empty helo/ehlo argument not allowed",
        "helo/ehlo argument is invalid",
        "an unusual rate of unsolicited mail",
        "an unusual rate of mail",
    ),
    "exceedlimit": (
        "exceeded google's message size limits",
        "exceeds google's limit of",
        "exceeded google's message header size limits",
        "bytes per individual header size",
        "exceeds google's header name limit of",
    ),
    "expired": ("connection expired", "timeout - closing connection"),
    "securityerror": (
        "tls required for rcpt domain",
        "senders to use tls/ssl for smtp",
        "senders to use tls/ssl during smtp",
        "too many login attempts",
        "no identity changes permitted",
        "authentication required.",
        "application-specific password required",
        "please log in with your web browser",
        "please log in through your web browser",
        "username and password not accepted",
    ),
    "mailboxfull": ("inbox is out of storage space", "is over quota", "email quota exceeded"),
    "mesgtoobig": ("exceeds google's message size limit of",),
    "networkerror": ("message exceeded 50 hops",),
    "norelaying": (
        "mail relay denied",
        "invalid credentials for relay",
        "is not authorized to send email directly to our servers",
    ),
    "notcompliantrfc": (
        "missing a valid address in the from: header",
        "multiple addresses in from: header are not accepted",
        "is not rfc 5322 compliant",
        "missing a valid message-id: header",
        "contains a unicode character in a disallowed header",
        "encoded-word syntax is not permitted",
        "mail message is malformed",
    ),
    "policyviolation": (
        "illegal attachment on your message",
        "blocked because its content presents a potential security issue",
        "you are sending to (or from) has a policy that prohibited",
        "sending messages with the same message-id:",
    ),
    "rejected": ("mail sending denied", "unauthenticated email is not accepted"),
    "requireptr": (
        "does not have a ptr record",
        " have a ptr record, or the ptr record",
        "does not meet ipv6 sending guidelines regarding ptr records and authentication",
        "does not match the ip address of the hostname",
    ),
    "spamdetected": ("due to the nature of the content or the links within", "likely unsolicited mail"),
    "speeding": (
        "is receiving mail too quickly",
        "peak smtp relay limit exceeded for customer",
        "rate that prevents additional messages from being delivered",
        "daily sending quota exceeded",
        "daily user sending limit exceeded",
        "daily smtp relay limit exceeded for",
        "daily smtp relay sending limit exceeded for",
        "this mail has been rate limited",
    ),
    "suspend": ("account that you tried to reach is disabled", "account that you tried to reach is inactive"),
    "syntaxerror": (
        "smtp protocol violation",
        "optional argument not permitted",
        "syntax error",
        "too many unrecognized commands, goodbye",
        "unimplemented command",
        "unrecognized command",
        "bad sequence of commands",
        "ehlo/helo first",
        "no data after bdat",
        "unrecognized authentication type",
        "xoauth is no longer supported",
        "too many unauthenticated commands",
        # sisimai 5 files these protocol-order replies here (4.x: securityerror)
        "must issue a starttls command first",
        "starttls may not be repeated",
        "mail first",
        "rcpt first",
    ),
    "systemerror": (
        "temporary system problem",
        "server busy",
        "multiple destination domains per transaction is unsupported",
        "mail server has temporarily rejected this message",
        "mail server temporarily rejected message",
        "domain policy size per transaction exceeded",
        "cannot authenticate due to temporary system problem",
    ),
    "toomanyconn": ("your message has too many recipients", "too many recipients for this sender"),
    "userunknown": (
        "the email account that you tried to reach does not exist",
        "we weren't able to find the recipient domain",
        "is not a valid rfc 5321 address",
    ),
}
PATTERNS: Final = [(reason, re.compile(alternation(phrases))) for reason, phrases in REPLIES.items()]


def reason(diagnostic: str, status: str) -> str:
    """The reason Google's documentation gives a reply, or ''.

    Google says "exceeded Google's message size limits" both with 5.2.3 (a limit: exceedlimit) and
    with 5.3.4 (too big for the system: mesgtoobig); the status tells them apart.
    """
    if status == "5.3.4" and "exceeded google's message size limits" in diagnostic:
        return "mesgtoobig"
    return next((name for name, pattern in PATTERNS if pattern.search(diagnostic)), "")


PROVIDER: Provider = Provider(
    "google",
    hosts=re.compile(r"(?:aspmx|gmail-smtp-in|alt\d\.aspmx|alt\d\.gmail-smtp-in)\.l\.google\.com|\.google\.com$"),
    domains=re.compile(r"^(?:gmail|googlemail)\.com$"),
    reason=reason,
)
