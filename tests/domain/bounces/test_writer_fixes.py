"""The parser rules the generator's second-half writers (Zoho, MailMarshal, Apache James, Notes) needed:
each pinned by a notice of its own, so a change that undoes one fails here, not only in the corpus."""

from __future__ import annotations

from domain.bounces import parse_bounce
from domain.bounces.notice import Notice
from domain.bounces.prose import diagnostic_near, scan

HEAD = "From: Mail Delivery System <mailer-daemon@mx.sender.example>\nTo: ann@sender.example\nSubject: failed\n\n"
ADDRESS_REPLY_LIST = (
    "A message that you sent could not be delivered. This is a permanent error.\n\n"
    "bob@x.example ERROR_CODE :550, ERROR_CODE :5.1.6 <bob@x.example>: mailbox has been replaced by new@y.example\n"
    "cy@z.example ERROR_CODE :552, ERROR_CODE :5.2.2 <cy@z.example>... Mailbox full\n"
)


def _read(raw: str) -> list[tuple[str, str | None, str]]:
    bounce = parse_bounce(raw.encode())
    assert bounce is not None
    return [(r.email, r.status_code, r.reason) for r in bounce.recipients]


def test_an_address_reply_line_is_a_recipient_and_its_diagnostic_ends_at_the_next_one() -> None:
    found = scan(Notice.read((HEAD + ADDRESS_REPLY_LIST).encode()))
    assert [f.email for f in found] == ["bob@x.example", "cy@z.example"]  # not the moved-to address
    assert "Mailbox full" not in found[0].diagnostic
    assert found[1].diagnostic.endswith("Mailbox full")


def test_an_address_followed_by_words_without_a_code_is_no_recipient_position() -> None:
    assert scan(Notice.read((HEAD + "Dear customer,\n\nbob@x.example wrote to us yesterday.\n").encode())) == []


def test_the_text_near_an_address_stops_at_a_line_that_begins_with_another_address() -> None:
    text = "bob@x.example 550 5.1.1 unknown\n  still about bob\ncy@z.example 552 5.2.2 full\n"
    assert diagnostic_near(text.lower(), text, "bob@x.example") == "bob@x.example 550 5.1.1 unknown still about bob"


def test_a_forwarded_mailmarshal_notice_is_read_as_mailmarshal() -> None:
    raw = (
        "From: List Owner <listmaster@lists.sender.example>\nTo: ann@sender.example\n"
        'Subject: Fwd: Undeliverable Mail: "Invoice 7"\n\n'
        "> Could not be delivered because of\n>\n> 550 5.7.1 Relay access denied\n>\n"
        "> The following recipients were affected:\n>     dee@far.example\n"
    )
    assert _read(raw) == [("dee@far.example", "5.7.1", "norelaying")]


def test_a_forwarded_apache_james_bounce_is_read_as_james_s() -> None:
    raw = (
        "From: List Owner <listmaster@lists.sender.example>\nTo: ann@sender.example\nSubject: Fwd: [BOUNCE]\n\n"
        "> Error message below:\n> 552 5.2.2 Mailbox full\n>\n> Message details:\n"
        ">   MAIL FROM: ann@sender.example\n>   RCPT TO: eve@far.example\n"
    )
    assert _read(raw) == [("eve@far.example", "5.2.2", "mailboxfull")]


def test_a_notes_reason_line_that_quotes_an_address_is_no_recipient_line() -> None:
    raw = (
        "From: Postmaster <postmaster@notes.example>\nTo: ann@sender.example\nSubject: Undeliverable message\n\n"
        "------- Failure Reasons --------\n\n"
        "553 5.1.8 <ann@sender.example>... Domain of sender address sender.example does not exist\n"
        "fay@notes.example\n\n"
        "550 5.1.6 <gus@notes.example>: mailbox has been replaced by gus@elsewhere.example\n"
        "gus@notes.example\n\n"
        "------- Returned Message --------\n"
    )
    assert _read(raw) == [("fay@notes.example", "5.1.8", "rejected"), ("gus@notes.example", "5.1.6", "hasmoved")]
