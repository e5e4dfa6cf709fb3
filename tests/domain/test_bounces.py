"""The bounce parser on small hand-written DSNs: who bounced, how, why, and what is not a bounce."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.bounces import Bounce, BouncedRecipient, parse_bounce
from domain.bounces.findings import Finding
from domain.bounces.parse import _action, _completed_by, _remote_in
from domain.bounces.report import Entry
from tests.domain import bounce_samples as samples


def _parse(raw: bytes) -> Bounce:
    bounce = parse_bounce(raw)
    assert bounce is not None
    return bounce


def _summary(bounce: Bounce) -> list[tuple[str, str, str | None, str, bool]]:
    return [(r.email, r.action, r.status_code, r.reason, r.hard) for r in bounce.recipients]


def test_rfc3464_report_lists_failed_recipients_and_skips_the_delivered_one() -> None:
    bounce = _parse(samples.RFC3464_MIXED)
    assert _summary(bounce) == [
        ("bob@example.com", "failed", "5.1.1", "userunknown", True),
        ("carol@nowhere.example", "failed", "5.1.2", "hostunknown", True),
    ]
    assert bounce.recipients[0].diagnostic == "550 5.1.1 <bob@example.com>... User unknown"
    assert bounce.original_message_id == "<original-1@sender.example>"
    assert bounce.original_headers_message_id == "<original-1@sender.example>"
    assert bounce.mailtrail_id == "0b6c3a52-3f0e-4c36-9d7e-2a8f0c6f1e11"
    assert bounce.reporting_mta == "mx.sender.example"
    assert bounce.detected_at == datetime(2024, 1, 2, 9, 59, 58, tzinfo=UTC)
    assert not bounce.is_delay


def test_to_details_has_exactly_the_stored_shape() -> None:
    bounce = _parse(samples.RFC3464_MIXED)
    assert bounce.to_details() == {
        "bounced_recipients": [
            {
                "email": "bob@example.com",
                "action": "failed",
                "status_code": "5.1.1",
                "diagnostic": "550 5.1.1 <bob@example.com>... User unknown",
            },
            {
                "email": "carol@nowhere.example",
                "action": "failed",
                "status_code": "5.1.2",
                "diagnostic": "Host or domain name not found. Name service error for name=nowhere.example type=MX: "
                "Host not found",
            },
        ],
        "detected_at": "2024-01-02T09:59:58+00:00",
    }


def test_delay_notice_is_a_bounce_with_delayed_recipients() -> None:
    bounce = _parse(samples.DELAY_NOTICE)
    assert _summary(bounce) == [("erin@slow.example", "delayed", "4.4.1", "expired", False)]
    assert bounce.is_delay
    assert bounce.original_message_id == "<original-2@sender.example>"


def test_postfix_plain_text_bounce() -> None:
    bounce = _parse(samples.POSTFIX_TEXT)
    assert _summary(bounce) == [("frank@example.net", "failed", "5.1.1", "userunknown", True)]
    assert bounce.recipients[0].diagnostic == (
        "host mx.example.net[192.0.2.10] said: 550 5.1.1 <frank@example.net>: Recipient address rejected: "
        "User unknown in local recipient table (in reply to RCPT TO command)"
    )
    assert bounce.original_message_id == "<original-3@sender.example>"


def test_exim_bounce() -> None:
    bounce = _parse(samples.EXIM_TEXT)
    assert _summary(bounce) == [("grace@example.org", "failed", "5.1.1", "userunknown", True)]
    assert "550 5.1.1 No such user here" in bounce.recipients[0].diagnostic
    assert bounce.original_message_id == "<original-4@sender.example>"


def test_qmail_bounce() -> None:
    bounce = _parse(samples.QMAIL_TEXT)
    assert _summary(bounce) == [("heidi@example.com", "failed", "5.1.1", "userunknown", True)]
    assert bounce.recipients[0].diagnostic.startswith("192.0.2.30 does not like recipient.")
    assert bounce.original_message_id == "<original-5@sender.example>"


def test_exchange_ndr() -> None:
    bounce = _parse(samples.EXCHANGE_NDR)
    assert _summary(bounce) == [("ivan@contoso.example", "failed", "5.1.10", "userunknown", True)]
    assert bounce.original_message_id == "<original-6@sender.example>"
    assert bounce.in_reply_to == "<original-6@sender.example>"


def test_gmail_delivery_status_notification_failure() -> None:
    bounce = _parse(samples.GMAIL_FAILURE)
    assert _summary(bounce) == [("judy@example.com", "failed", "5.1.1", "userunknown", True)]
    assert bounce.recipients[0].diagnostic.endswith(
        "550 5.1.1 The email account that you tried to reach does not exist."
    )
    assert bounce.original_message_id is None


def test_amazon_ses_notification() -> None:
    bounce = _parse(samples.SES_NOTIFICATION)
    assert _summary(bounce) == [("kim@example.net", "failed", "5.1.1", "userunknown", True)]
    assert bounce.recipients[0].diagnostic == "550 5.1.1 user unknown"


def test_mailbox_full_is_not_hard() -> None:
    bounce = _parse(samples.MAILBOX_FULL)
    assert _summary(bounce) == [("leo@example.com", "failed", "5.2.2", "mailboxfull", False)]


def test_x_failed_recipients_alone_is_enough() -> None:
    bounce = _parse(samples.X_FAILED_ONLY)
    assert _summary(bounce) == [("mia@example.org", "failed", None, "undefined", False)]
    assert bounce.to_details()["bounced_recipients"] == [
        {"email": "mia@example.org", "action": "failed", "status_code": None, "diagnostic": ""}
    ]


@pytest.mark.parametrize(
    "raw",
    [
        samples.ARF_REPORT,
        samples.VACATION_REPLY,
        samples.CHALLENGE_RESPONSE,
        samples.DELIVERED_DSN,
        samples.NORMAL_MESSAGE,
    ],
    ids=["arf", "vacation", "challenge-response", "delivered-dsn", "normal"],
)
def test_not_a_bounce(raw: bytes) -> None:
    assert parse_bounce(raw) is None


@pytest.mark.parametrize("raw", [b"", b"\x00\xff garbage", b"Content-Type: multipart/report\n\n--x"])
def test_unreadable_input_is_not_a_bounce(raw: bytes) -> None:
    assert parse_bounce(raw) is None


def test_recipients_are_clean_addresses() -> None:
    for raw in (samples.RFC3464_MIXED, samples.POSTFIX_TEXT, samples.EXIM_TEXT, samples.QMAIL_TEXT):
        for recipient in _parse(raw).recipients:
            assert isinstance(recipient, BouncedRecipient)
            assert recipient.email == recipient.email.strip("<>'\" ").lower()
            assert recipient.email != "alice@sender.example"
            assert not recipient.email.startswith(("postmaster@", "mailer-daemon@"))


_RCPT = "550 5.1.1 <a@x.example>: Recipient address rejected: User unknown (in reply to RCPT TO command)"


@pytest.mark.parametrize(
    ("diagnostic", "status", "known", "expected"),
    [
        # the report says nothing: the text's wording, command and hint fill it
        ("", "5.1.1", Finding("a@x.example", _RCPT, hint="userunknown"), (_RCPT, "RCPT", "userunknown")),
        # a class-only or missing status: the text states the reply more fully
        ("550 failed", "5.0.0", Finding("a@x.example", _RCPT), (_RCPT, "RCPT", None)),
        ("550 failed", None, Finding("a@x.example", _RCPT), (_RCPT, "RCPT", None)),
        # a precise status, or a text of another class, keeps the report's own words
        ("550 failed", "5.1.1", Finding("a@x.example", _RCPT), ("550 failed", "RCPT", None)),
        ("550 failed", "4.0.0", Finding("a@x.example", _RCPT), ("550 failed", "RCPT", None)),
        # a text without any code never replaces the report's words; its stated command is kept
        ("short", None, Finding("a@x.example", "the mailbox is full, sorry", command="DATA"), ("short", "DATA", None)),
    ],
)  # fmt: skip
def test_a_report_s_recipient_is_completed_by_what_the_text_says_about_it(
    diagnostic: str, status: str | None, known: Finding, expected: tuple[str, str | None, str | None]
) -> None:
    done = _completed_by(Finding("a@x.example", diagnostic, status), known)
    assert (done.diagnostic, done.command, done.hint) == expected
    assert done.status == status


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [("failed", "5.1.1", "failed"), ("delayed", "4.4.7", "delayed"), ("delay", None, "delayed"),
     ("", "4.4.7", "delayed"), ("", "5.0.0", "failed"), ("", None, "failed"), ("relayed", "4.0.0", "failed"),
     ("failed", "4.4.7", "failed")],
)  # fmt: skip
def test_a_report_s_action_is_failed_or_delayed_and_a_4xx_without_action_is_delayed(
    action: str, status: str | None, expected: str
) -> None:
    assert _action(Entry("a@x.example", action, status, "", "", "")) == expected


@pytest.mark.parametrize(
    ("diagnostic", "expected"),
    [("host mx.example.com[192.0.2.1] said: 550", "mx.example.com"),
     ("550 rejected by mx.example.net. [192.0.2.2]", "mx.example.net"),
     ("from MX.Example.ORG [192.0.2.3]: 421", "mx.example.org"),
     ("server a.b [192.0.2.4]", ""), ("host mx.example.com said: 550", ""), ("no host here", "")],
)  # fmt: skip
def test_the_remote_host_is_the_name_before_a_bracketed_address(diagnostic: str, expected: str) -> None:
    assert _remote_in(diagnostic) == expected
