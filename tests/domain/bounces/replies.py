"""The remote servers' replies the generator puts in its bounces, one per reason.

Each is (reply code, enhanced status, message, refused SMTP command), written after the replies
the RFCs and the big providers document for that reason; `{rcpt}` and `{domain}` are filled in.
"""

from __future__ import annotations

REASONS: dict[str, tuple[str, str, str, str]] = {
    "userunknown": (
        "550",
        "5.1.1",
        "<{rcpt}>: Recipient address rejected: User unknown in local recipient table",
        "RCPT",
    ),
    "hostunknown": ("550", "5.1.2", "<{rcpt}>... Host unknown (Name server: {domain}: host not found)", "RCPT"),
    "hasmoved": ("550", "5.1.6", "<{rcpt}>: mailbox has been replaced by someone@elsewhere.example", "RCPT"),
    "notaccept": ("556", "5.1.10", "<{rcpt}>: Recipient address has null MX; domain {domain} accepts no mail", "RCPT"),
    "suspend": ("550", "5.2.1", "The email account that you tried to reach is disabled", "RCPT"),
    "mailboxfull": ("552", "5.2.2", "<{rcpt}>... Mailbox full", "RCPT"),
    "exceedlimit": ("552", "5.2.3", "Message length exceeds administrative limit", "DATA"),
    "filtered": ("550", "5.2.0", "<{rcpt}>... User refuses to receive this mail", "DATA"),
    "mesgtoobig": ("552", "5.3.4", "Message size exceeds fixed maximum message size", "DATA"),
    "systemfull": ("452", "4.3.1", "Mail system full", "RCPT"),
    "systemerror": ("451", "4.3.5", "Server configuration error", "RCPT"),
    "networkerror": ("554", "5.4.6", "Too many hops 31 (25 max): message probably in a routing loop", "DATA"),
    "expired": ("451", "4.4.7", "Delivery time expired", "RCPT"),
    "toomanyconn": ("421", "4.7.0", "Too many connections from your host", "CONN"),
    "speeding": (
        "450",
        "4.2.1",
        "The user you are trying to contact is receiving mail at a rate that prevents additional messages "
        "from being delivered",
        "RCPT",
    ),
    "syntaxerror": ("501", "5.5.2", "Syntax error in parameters", "MAIL"),
    "contenterror": ("554", "5.6.0", "Mail message is malformed. Not accepted.", "DATA"),
    "blocked": ("554", "5.7.1", "Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org", "RCPT"),
    "spamdetected": ("550", "5.7.1", "Message rejected as spam by Content Filtering", "DATA"),
    "virusdetected": ("554", "5.7.0", "Virus detected: Eicar-Test-Signature", "DATA"),
    "policyviolation": ("550", "5.7.0", "Email rejected due to a local policy violation", "DATA"),
    "norelaying": ("554", "5.7.1", "<{rcpt}>: Relay access denied", "RCPT"),
    "rejected": (
        "553",
        "5.1.8",
        "<alice@sender.example>... Domain of sender address sender.example does not exist",
        "MAIL",
    ),
    "authfailure": (
        "550",
        "5.7.26",
        "Unauthenticated email from sender.example is not accepted due to domain's DMARC policy",
        "DATA",
    ),
    "requireptr": ("550", "5.7.25", "The IP address sending this message does not have a PTR record setup", "RCPT"),
    "securityerror": ("530", "5.7.0", "Must issue a STARTTLS command first", "MAIL"),
    "badreputation": (
        "421",
        "4.7.0",
        "Mail from 192.0.2.10 has been temporarily rate limited due to IP reputation",
        "CONN",
    ),
    "notcompliantrfc": (
        "550",
        "5.7.1",
        "This message is not RFC 5322 compliant because it has duplicate headers",
        "DATA",
    ),
}
