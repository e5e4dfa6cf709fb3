"""The reason an RFC 3463 enhanced status code names by itself, in sisimai's vocabulary.

Codes and their meanings: RFC 3463 and the IANA "SMTP Enhanced Status Codes" registry (RFC 4954,
5248, 7372, 7505, 8689 and others add to it); the reason each one maps to follows sisimai's
published table (Sisimai::SMTP::Status). Codes absent here (X.0.0, 4.3.0, 4.4.0, 4.5.0, 4.7.0,
...) say too little on their own: the diagnostic's wording decides.
"""

from __future__ import annotations

STATUS_REASONS: dict[str, str] = {
    "4.1.6": "hasmoved",  # destination mailbox has moved, no forwarding address
    "4.1.7": "rejected",  # bad sender's mailbox address syntax
    "4.1.8": "rejected",  # bad sender's system address
    "4.1.9": "systemerror",  # message relayed to non-compliant mailer
    "4.2.1": "blocked",  # mailbox disabled, not accepting messages
    "4.2.2": "mailboxfull",
    "4.2.3": "exceedlimit",  # message length exceeds administrative limit
    "4.2.4": "filtered",  # mailing list expansion problem
    "4.3.1": "systemfull",  # mail system full
    "4.3.2": "notaccept",  # system not accepting network messages
    "4.3.3": "systemerror",  # system not capable of selected features
    "4.3.5": "systemerror",  # system incorrectly configured
    "4.4.1": "expired",  # no answer from host
    "4.4.2": "networkerror",  # bad connection
    "4.4.3": "systemerror",  # directory server failure
    "4.4.4": "networkerror",  # unable to route
    "4.4.5": "systemfull",  # mail system congestion
    "4.4.6": "networkerror",  # routing loop detected
    "4.4.7": "expired",  # delivery time expired
    "4.4.8": "networkerror",
    "4.5.3": "systemerror",  # too many recipients
    "4.5.5": "systemerror",  # wrong protocol version
    "4.6.0": "contenterror",
    "4.6.2": "contenterror",  # conversion required and prohibited
    "4.6.5": "contenterror",  # conversion failed
    "4.7.1": "blocked",  # delivery not authorized, message refused
    "4.7.2": "blocked",  # mailing list expansion prohibited
    "4.7.5": "securityerror",  # cryptographic failure
    "4.7.6": "securityerror",  # cryptographic algorithm not supported
    "4.7.7": "securityerror",  # message integrity failure
    "4.7.12": "securityerror",  # a password transition is needed
    "4.7.15": "securityerror",  # priority level is too low
    "4.7.16": "mesgtoobig",  # message is too big for the specified priority
    "4.7.24": "authfailure",  # SPF validation error
    "4.7.25": "requireptr",  # reverse DNS validation failed
    "4.7.26": "authfailure",  # multiple authentication checks failed
    "5.1.0": "userunknown",  # other address status
    "5.1.1": "userunknown",  # bad destination mailbox address
    "5.1.2": "hostunknown",  # bad destination system address
    "5.1.3": "userunknown",  # bad destination mailbox address syntax
    "5.1.4": "filtered",  # destination mailbox address ambiguous
    "5.1.6": "hasmoved",
    "5.1.7": "rejected",
    "5.1.8": "rejected",
    "5.1.9": "systemerror",
    "5.1.10": "notaccept",  # RFC 7505: recipient address has null MX (Exchange says RecipientNotFound with it)
    "5.2.0": "filtered",  # other or undefined mailbox status
    "5.2.1": "filtered",  # mailbox disabled, not accepting messages
    "5.2.2": "mailboxfull",
    "5.2.3": "exceedlimit",
    "5.2.4": "filtered",
    "5.3.0": "systemerror",
    "5.3.1": "systemfull",
    "5.3.2": "notaccept",
    "5.3.3": "systemerror",
    "5.3.4": "mesgtoobig",  # message too big for system
    "5.3.5": "systemerror",
    "5.4.0": "networkerror",
    "5.4.3": "systemerror",
    "5.4.4": "hostunknown",  # unable to route
    "5.5.2": "syntaxerror",
    "5.5.3": "toomanyconn",  # too many recipients
    "5.5.4": "systemerror",
    "5.5.5": "systemerror",
    "5.5.6": "syntaxerror",  # authentication exchange line is too long
    "5.6.0": "contenterror",
    "5.6.1": "contenterror",
    "5.6.2": "contenterror",
    "5.6.3": "contenterror",
    "5.6.5": "contenterror",
    "5.6.6": "contenterror",
    "5.6.7": "contenterror",
    "5.6.8": "contenterror",
    "5.6.9": "contenterror",
    "5.7.0": "securityerror",
    "5.7.1": "securityerror",
    "5.7.2": "securityerror",
    "5.7.3": "securityerror",
    "5.7.4": "securityerror",
    "5.7.5": "securityerror",
    "5.7.6": "securityerror",
    "5.7.7": "securityerror",
    "5.7.8": "securityerror",
    "5.7.9": "securityerror",
    "5.7.10": "securityerror",
    "5.7.11": "securityerror",
    "5.7.13": "suspend",  # user account disabled
    "5.7.14": "securityerror",
    "5.7.15": "securityerror",
    "5.7.16": "mesgtoobig",
    "5.7.17": "hasmoved",  # mailbox owner has changed
    "5.7.18": "hasmoved",  # domain owner has changed
    "5.7.19": "securityerror",
    "5.7.20": "authfailure",  # no passing DKIM signature found
    "5.7.21": "authfailure",
    "5.7.22": "authfailure",
    "5.7.23": "authfailure",  # SPF validation failed
    "5.7.24": "authfailure",
    "5.7.25": "requireptr",
    "5.7.26": "authfailure",
    "5.7.27": "notaccept",  # sender address has null MX
    "5.7.28": "spamdetected",  # mail flood of similar abusive messages
    "5.7.29": "authfailure",  # ARC validation failure
    "5.7.30": "securityerror",  # REQUIRETLS support required
}


def status_reason(status: str | None) -> str:
    """The reason the code names by itself, or '' when it names none."""
    return STATUS_REASONS.get(status or "", "")
