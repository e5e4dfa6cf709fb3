"""The classifier, table by table: every reason reached by its status code, by its wording, by the
refused SMTP command and by each fallback, not only by a status code (issue 19)."""

from __future__ import annotations

import pytest

from domain.bounces import Permanence, Scope, classify
from domain.bounces.statuses import STATUS_REASONS, status_reason

# RFC 3463 / IANA codes and the reason each names on its own (Sisimai::SMTP::Status), written out.
BY_STATUS = {
    "4.1.6": "hasmoved",
    "4.1.7": "rejected",
    "4.1.8": "rejected",
    "4.1.9": "systemerror",
    "4.2.1": "blocked",
    "4.2.2": "mailboxfull",
    "4.2.3": "exceedlimit",
    "4.2.4": "filtered",
    "4.3.1": "systemfull",
    "4.3.2": "notaccept",
    "4.3.3": "systemerror",
    "4.3.5": "systemerror",
    "4.4.1": "expired",
    "4.4.2": "networkerror",
    "4.4.3": "systemerror",
    "4.4.4": "networkerror",
    "4.4.5": "systemfull",
    "4.4.6": "networkerror",
    "4.4.7": "expired",
    "4.4.8": "networkerror",
    "4.5.3": "systemerror",
    "4.5.5": "systemerror",
    "4.6.0": "contenterror",
    "4.6.2": "contenterror",
    "4.6.5": "contenterror",
    "4.7.1": "blocked",
    "4.7.2": "blocked",
    "4.7.5": "securityerror",
    "4.7.6": "securityerror",
    "4.7.7": "securityerror",
    "4.7.12": "securityerror",
    "4.7.15": "securityerror",
    "4.7.16": "mesgtoobig",
    "4.7.24": "authfailure",
    "4.7.25": "requireptr",
    "4.7.26": "authfailure",
    "5.1.0": "userunknown",
    "5.1.1": "userunknown",
    "5.1.2": "hostunknown",
    "5.1.3": "userunknown",
    "5.1.4": "filtered",
    "5.1.6": "hasmoved",
    "5.1.7": "rejected",
    "5.1.8": "rejected",
    "5.1.9": "systemerror",
    "5.1.10": "notaccept",
    "5.2.0": "filtered",
    "5.2.1": "filtered",
    "5.2.2": "mailboxfull",
    "5.2.3": "exceedlimit",
    "5.2.4": "filtered",
    "5.3.0": "systemerror",
    "5.3.1": "systemfull",
    "5.3.2": "notaccept",
    "5.3.3": "systemerror",
    "5.3.4": "mesgtoobig",
    "5.3.5": "systemerror",
    "5.4.0": "networkerror",
    "5.4.3": "systemerror",
    "5.4.4": "hostunknown",
    "5.5.2": "syntaxerror",
    "5.5.3": "toomanyconn",
    "5.5.4": "systemerror",
    "5.5.5": "systemerror",
    "5.5.6": "syntaxerror",
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
    "5.7.13": "suspend",
    "5.7.14": "securityerror",
    "5.7.15": "securityerror",
    "5.7.16": "mesgtoobig",
    "5.7.17": "hasmoved",
    "5.7.18": "hasmoved",
    "5.7.19": "securityerror",
    "5.7.20": "authfailure",
    "5.7.21": "authfailure",
    "5.7.22": "authfailure",
    "5.7.23": "authfailure",
    "5.7.24": "authfailure",
    "5.7.25": "requireptr",
    "5.7.26": "authfailure",
    "5.7.27": "notaccept",
    "5.7.28": "spamdetected",
    "5.7.29": "authfailure",
    "5.7.30": "securityerror",
}

# One diagnostic per reason, no status code, no command: the wording alone decides.
BY_WORDING = [
    ("452 insufficient disk space", "mailboxfull"),
    ("552 message size exceeds fixed maximum message size", "mesgtoobig"),
    ("552 message header size exceeds limit", "exceedlimit"),
    ("550 this account has been temporarily suspended", "suspend"),
    ("550 mailbox has been replaced by someone@elsewhere.example", "hasmoved"),
    ("554 relay access denied", "norelaying"),
    ("550 unauthenticated email is not accepted due to domain's dmarc policy", "authfailure"),
    ("550 user refuses to receive this mail", "filtered"),
    ("550 the ip address sending this message does not have a ptr record setup", "requireptr"),
    ("550 this message is not rfc 5322 compliant", "notcompliantrfc"),
    ("421 ip/domain reputation problems", "badreputation"),
    ("554 improper use of 8-bit data in message header", "contenterror"),
    ("553 sender verify failed", "rejected"),
    ("550 host or domain name not found", "hostunknown"),
    ("550 message content rejected", "spamdetected"),
    ("450 please try again slower", "speeding"),
    ("421 too many connections", "toomanyconn"),
    ("554 client host [192.0.2.1] blocked using zen.spamhaus.org", "blocked"),
    ("554 virus detected: eicar", "virusdetected"),
    ("550 local policy violation", "policyviolation"),
    ("451 local configuration error", "systemerror"),
    ("451 no route to host", "networkerror"),
    ("452 mail system full", "systemfull"),
    ("553 host does not accept mail", "notaccept"),
    ("451 delivery time expired", "expired"),
    ("530 authentication required", "securityerror"),
    ("554 procmail: command died with status 75", "mailererror"),
]

# Where the refused command decides: an unknown user at RCPT, a filter after DATA.
BY_COMMAND = [
    ("550 unknown user kim@example.com", "RCPT", "userunknown"),
    ("550 unknown user kim@example.com", "DATA", "filtered"),
    ("550 unknown user kim@example.com", None, "filtered"),
    ("550 no such user", "MAIL", "onhold"),
    ("550 not accepted here", "EHLO", "blocked"),
    ("550 not accepted here", "HELO", "blocked"),
    ("550 not accepted here", "RCPT", "onhold"),
    ("554 message content rejected", "RCPT", "spamdetected"),
    ("550 sender verify failed", "MAIL", "rejected"),
    # sisimai 5: "message filtered" is spam content (4.x and we had it as a filter), at any command
    ("550 message filtered", "DATA", "spamdetected"),
    ("550 message filtered", "RCPT", "spamdetected"),
    ("550 message filtered", None, "spamdetected"),
]


@pytest.mark.parametrize(("status", "reason"), sorted(BY_STATUS.items()))
def test_a_status_code_alone_names_its_reason(status: str, reason: str) -> None:
    assert status_reason(status) == reason
    assert classify(status, "", "failed").reason == reason


def test_the_status_table_is_exactly_the_one_written_here() -> None:
    assert STATUS_REASONS == BY_STATUS
    assert status_reason(None) == ""
    assert status_reason("5.9.9") == ""


@pytest.mark.parametrize(("diagnostic", "reason"), BY_WORDING)
def test_wording_alone_names_every_reason(diagnostic: str, reason: str) -> None:
    assert classify(None, diagnostic, "failed").reason == reason
    assert classify(None, diagnostic.upper(), "failed").reason == reason


@pytest.mark.parametrize(("diagnostic", "command", "reason"), BY_COMMAND)
def test_the_refused_command_decides_between_reasons(diagnostic: str, command: str | None, reason: str) -> None:
    assert classify(None, diagnostic, "failed", command=command).reason == reason


@pytest.mark.parametrize(
    ("status", "diagnostic", "action", "kind", "reason"),
    [
        ("5.6.4", "550 rejected", "failed", "", "contenterror"),
        ("4.6.9", "450 try later", "delayed", "", "contenterror"),
        ("5.7.31", "550 no", "failed", "", "securityerror"),
        ("4.7.99", "450 no", "delayed", "", "securityerror"),
        ("5.0.0", "255", "failed", "X-Unix", "mailererror"),
        (None, "501 bad parameters", "failed", "", "syntaxerror"),
        (None, "507 bad parameters", "failed", "", "syntaxerror"),
        (None, "508 bad parameters", "failed", "", "onhold"),
        (None, "500 bad parameters", "failed", "", "onhold"),
        (None, "408 busy", "failed", "", "onhold"),
        (None, "402 busy", "failed", "", "syntaxerror"),
        (None, "try again later", "delayed", "", "expired"),
        ("5.0.0", "something odd happened", "failed", "", "onhold"),
        (None, "", "failed", "", "undefined"),
        (None, "   ", "failed", "", "undefined"),
        (None, "i am out of the office until monday", "failed", "", "vacation"),
        ("2.0.0", "250 ok", "failed", "", "delivered"),
        ("4.4.7", "", "delayed", "", "expired"),
        ("5.2.2", "user unknown", "failed", "x-postfix", "mailboxfull"),
        ("5.1.1", "", "failed", "x-postfix", "userunknown"),
        # sisimai 5: an SMTP reply's specific code stands; other types' wording is read first
        ("5.2.0", "mailbox is full", "failed", "x-postfix", "mailboxfull"),
        ("5.2.0", "virus detected", "failed", "", "filtered"),
        ("5.2.0", "virus detected", "failed", "smtp", "filtered"),
        ("5.2.0", "virus detected", "failed", "x-unix", "virusdetected"),
        ("5.3.1", "service currently unavailable", "failed", "smtp", "systemfull"),
        ("5.3.1", "service currently unavailable", "failed", "x-postfix", "systemerror"),
        # sisimai 5's order: a security error is read before a delay, a system error or a full disk
        (None, "authentication required; delivery attempts will continue", "failed", "", "securityerror"),
        (None, "has been delayed: mail system full", "failed", "", "expired"),
        (None, "something happened", "expired", "", "expired"),
        (None, "something happened", "relayed", "", "onhold"),
    ],
)
def test_the_fallbacks_when_neither_code_nor_wording_settles_it(
    status: str | None, diagnostic: str, action: str, kind: str, reason: str
) -> None:
    assert classify(status, diagnostic, action, kind=kind).reason == reason


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        ("5.0.0", "550 5.1.1 <kim@example.com>... user unknown", "userunknown"),
        ("5.0.0", "550 5.2.2 mailbox full", "mailboxfull"),
        ("4.0.0", "550 5.1.1 user unknown", "filtered"),
        ("5.0.0", "250 2.1.5 ok", "onhold"),
        ("5.1.1", "550 5.2.2 mailbox full", "mailboxfull"),
        ("5.7.1", "550 5.7.1 relay access denied", "norelaying"),
        (None, "550 5.1.1 <kim@example.com>: recipient address rejected: user unknown", "userunknown"),
        (None, "554 5.7.1 message refused", "securityerror"),
    ],
)
def test_a_specific_code_in_the_diagnostic_is_classified_by(status: str | None, diagnostic: str, reason: str) -> None:
    assert classify(status, diagnostic, "failed").reason == reason


@pytest.mark.parametrize(
    ("hint", "diagnostic", "reason"),
    [
        ("rejected", "550 mailbox full", "rejected"),
        ("blocked", "", "blocked"),
        ("userunknown", "550 mailbox full", "mailboxfull"),
        ("userunknown", "550 who knows", "userunknown"),
        ("expired", "550 who knows", "expired"),
        # sisimai 5 decides a format's 'suspend' again: a full mailbox is tried first
        ("suspend", "552 mailbox full", "mailboxfull"),
        ("suspend", "550 who knows", "suspend"),
        ("onhold", "550 mailbox full", "mailboxfull"),
        ("onhold", "554 virus detected", "virusdetected"),
        ("undefined", "554 virus detected", "virusdetected"),
        ("systemerror", "554 virus detected", "systemerror"),
        ("undefined", "", "undefined"),
    ],
)
def test_a_reason_the_format_settles_stands_unless_it_is_a_vague_one(hint: str, diagnostic: str, reason: str) -> None:
    assert classify(None, diagnostic, "failed", hint=hint).reason == reason


@pytest.mark.parametrize(
    ("diagnostic", "default", "reason"),
    [
        ("550 who knows", "userunknown", "userunknown"),
        ("550 mailbox full", "userunknown", "mailboxfull"),
        ("", "userunknown", "userunknown"),
    ],
)
def test_a_default_applies_only_when_nothing_else_settles_the_reason(
    diagnostic: str, default: str, reason: str
) -> None:
    assert classify(None, diagnostic, "failed", default=default).reason == reason


@pytest.mark.parametrize(
    ("status", "diagnostic", "action", "permanence", "scope"),
    [
        ("5.1.1", "user unknown", "failed", Permanence.HARD, Scope.ADDRESS),
        ("5.1.1", "user unknown", "delayed", Permanence.SOFT, Scope.ADDRESS),
        ("4.4.7", "", "failed", Permanence.SOFT, Scope.TRANSIENT),
        ("5.1.10", "recipient address has null mx", "failed", Permanence.HARD, Scope.ADDRESS),
        ("5.7.27", "sender address has null mx", "failed", Permanence.SOFT, Scope.SENDER),
        ("5.2.2", "", "failed", Permanence.SOFT, Scope.TRANSIENT),
        ("5.7.1", "blocked using zen.spamhaus.org", "failed", Permanence.SOFT, Scope.SENDER),
        ("5.0.0", "what", "failed", Permanence.UNDETERMINED, Scope.TRANSIENT),
    ],
)
def test_the_verdict_carries_permanence_and_scope(
    status: str, diagnostic: str, action: str, permanence: Permanence, scope: Scope
) -> None:
    verdict = classify(status, diagnostic, action)
    assert (verdict.permanence, verdict.scope) == (permanence, scope)
    assert verdict.hard is (permanence is Permanence.HARD)


def test_a_diagnostic_is_read_up_to_its_cap_only() -> None:
    assert classify(None, "x" * 5000 + " mailbox full", "failed").reason == "onhold"
    assert classify(None, "x" * 1900 + " mailbox full", "failed").reason == "mailboxfull"


# Phrases sisimai 4.25.15's reason definitions list that the wording gained (issue 17), each inside a
# realistic reply; status 5.0.0 names no reason, so only the wording can decide.
BY_PHRASE_4_25_15 = [
    ("5.0.0", "550 Mailbox jun.ito@example.com unavailable, try another address", "RCPT", "userunknown"),
    (
        "5.0.0",
        "552 Mail file size exceeds the maximum size allowed for mail delivery: sam@example.org",
        None,
        "mailboxfull",
    ),
    ("5.0.0", "550 Envelope blocked \u2013 sender news@example.net is on our deny list", "MAIL", "rejected"),
    ("5.0.0", "550 Envelope blocked \u2013 sender news@example.net is on our deny list", None, "rejected"),
    ("5.0.0", "450 Cannot resolve your address 192.0.2.44 to a host name", None, "requireptr"),
    ("5.0.0", "SASL authentication failed; server smtp.example.com[192.0.2.5] said:", None, "securityerror"),
    ("5.0.0", "550 5.7.1 spam", "DATA", "spamdetected"),
    ("5.0.0", "554 spam", None, "spamdetected"),
    ("5.0.0", "554 Message refused: it looks like bulk email from a list nobody joined", "DATA", "spamdetected"),
    ("5.0.0", "Delivery to |/usr/local/bin/maildrop -d kim failed", None, "mailererror"),
    ("5.0.0", "The local delivery agent gave up: exit 75", None, "mailererror"),
    ("5.0.0", "554 Transaction failed", None, "systemerror"),
    ("5.0.0", "550 Mail from 192.0.2.8 does not match the SPF record of example.net", None, "authfailure"),
]


@pytest.mark.parametrize(("status", "diagnostic", "command", "reason"), BY_PHRASE_4_25_15)
def test_sisimai_4_25_15_phrases_name_their_reason(
    status: str, diagnostic: str, command: str | None, reason: str
) -> None:
    assert classify(status, diagnostic, "failed", command=command).reason == reason
