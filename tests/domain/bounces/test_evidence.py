"""What the evidence says a message without a readable report is: a bounce, a delay notice, or neither."""

from __future__ import annotations

import pytest

from domain.bounces import evidence
from domain.bounces.notice import Notice

DAEMON = "From: MAILER-DAEMON@mx.example"
PERSON = "From: kim@example.com"
CHALLENGE = "Please click here to confirm that you sent this message."


def _notice(headers: str, body: str = "") -> Notice:
    return Notice.read((headers + "\n\n" + body).encode())


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (f"{PERSON}\nSubject: hi", CHALLENGE, True),
        (f"{DAEMON}\nSubject: hi", CHALLENGE, True),  # a challenge early on, and no failure wording
        (f"{DAEMON}\nSubject: hi", CHALLENGE + " Your message could not be delivered.", False),
        (f"{DAEMON}\nSubject: hi", "x" * 3000 + CHALLENGE, False),  # only past the first 3000 characters
        (f"{DAEMON}\nSubject: hi", " " * 2995 + "boxbe", True),  # ends at the 3000th character
        (f"{DAEMON}\nSubject: hi", " " * 2996 + "boxbe", False),  # ends one character later
        (f"{DAEMON}\nSubject: Out of office\nX-Autoreply: yes", "Away.", False),  # a daemon never auto-replies
        (f"{PERSON}\nSubject: hi\nX-Autorespond: yes", "Hi.", True),
        (f"{PERSON}\nSubject: hi\nX-Vacation: yes", "Hi.", True),
        (f"{PERSON}\nSubject: hi\nX-Autoreply:", "Hi.", False),  # an empty header says nothing
        (f"{PERSON}\nSubject: hi\nPrecedence:  Auto_Reply ", "Hi.", True),
        (f"{PERSON}\nSubject: hi\nPrecedence: bulk", "Hi.", False),
        (f"{PERSON}\nSubject: Automatic reply: invoice", "Hi.", True),
        (f"{PERSON}\nSubject: invoice", "Hi.", False),
    ],
)  # fmt: skip
def test_auto_replies_and_challenges_are_other_automatic_mail(headers: str, body: str, expected: bool) -> None:
    assert evidence.is_other_automatic_mail(_notice(headers, body)) is expected


@pytest.mark.parametrize(
    ("headers", "body", "placed", "expected"),
    [
        (f"{PERSON}\nSubject: hi", "hi", False, 0),
        (f"{DAEMON}\nSubject: hi", "hi", False, 2),
        (f"{PERSON}\nReturn-Path: <>\nSubject: hi", "hi", False, 1),
        (f"{PERSON}\nSubject: Undeliverable: hi", "hi", False, 2),
        (f"{PERSON}\nSubject: hi", "Your message could not be delivered.", False, 2),
        (f'{PERSON}\nSubject: hi\nContent-Type: multipart/mixed; boundary="b"',
         "--b\n\nhi\n--b\nContent-Type: text/rfc822-headers\n\nSubject: x\n--b--\n", False, 1),
        (f"{PERSON}\nSubject: hi", "hi", True, 1),
    ],
)  # fmt: skip
def test_each_sign_of_a_bounce_adds_its_own_points(headers: str, body: str, placed: bool, expected: int) -> None:
    assert evidence.score(_notice(headers, body), placed=placed) == expected


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Warning: delayed", "hello", True),
        ("Delayed: returned mail", "hello", False),  # the subject also says it failed
        ("Delivery failure", "hello", False),
        ("Hello", "This is a warning only.", True),
        ("Warning: delayed", "I have given up.", False),
        ("Hello", "hello", False),
    ],
)
def test_a_delay_notice_is_told_by_its_subject_or_its_text_unless_the_text_gives_up(
    subject: str, body: str, expected: bool
) -> None:
    assert evidence.is_delay_notice(_notice(f"Subject: {subject}", body)) is expected


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ("Content-Type: multipart/report; report-type=disposition-notification; boundary=b", "", True),
        ('Content-Type: multipart/mixed; boundary="b"',
         "--b\n\nx\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--b--\n", True),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=b", "", False),
        ("Subject: hi", "hi", False),
    ],
)  # fmt: skip
def test_feedback_reports_and_read_receipts_are_other_reports(headers: str, body: str, expected: bool) -> None:
    assert evidence.is_other_report(_notice(headers, body)) is expected
