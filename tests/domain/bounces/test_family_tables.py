"""The smaller families' own tables and signs: IMail, Notes, Messaging Server, MessageLabs, fml, au, Verizon."""

from __future__ import annotations

import pytest

from domain.bounces import parse_bounce, registry
from domain.bounces.families import (
    domino,
    ezweb,
    fml,
    imailserver,
    messagelabs,
    messagingserver,
    notes,
)
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from tests.domain.bounces.notices import EZWEB, FML, IMAIL, MESSAGELABS, VERIZON_PICTURES
from tests.domain.bounces.reading import recipients


@pytest.mark.parametrize(
    ("reason_text", "hint"),
    [("Unknown host", "hostunknown"), ("Unknown user", "userunknown"), ("Invalid final delivery userid", "userunknown"),
     ("User mailbox exceeds allowed size", "mailboxfull"), ("Requested action not taken: mailbox unavailable", "securityerror"),
     ("Delivery failed 3 attempts", "expired"), ("Something else", None)],
)  # fmt: skip
def test_imail_s_reasons(reason_text: str, hint: str | None) -> None:
    raw = IMAIL.replace(b"Unknown user", reason_text.encode())
    assert imailserver.read(Notice.read(raw))[0].hint == hint


@pytest.mark.parametrize("rule", ["------- Failure Reasons --------", "-------Failure Reasons-------",
                                  "------- Failure Reasons  --------"])  # fmt: skip
def test_notes_s_section_rules_with_any_spacing(rule: str) -> None:
    raw = f"From: postmaster@n.example\nSubject: Undeliverable message\n\n{rule}\n\nUser not listed in public Name & Address Book\nkim@n.example\n\n------- Returned Message  --------\nTo: kim@n.example\n"
    notice = Notice.read(raw.encode())
    assert registry.identify(notice).name == "notes"
    assert [(f.email, f.hint) for f in notes.read(notice)] == [("kim@n.example", "userunknown")]


@pytest.mark.parametrize(
    ("diagnostic", "command", "hint"),
    # sisimai 5 takes no SMTP command from "has rejected address": the reply decides the reason
    [("Reason: Remote SMTP server has rejected address Diagnostic code: smtp; 550 User unknown", None, None),
     ("Reason: Illegal host/domain name found", None, "hostunknown"),
     ("Reason: delivery timed out", None, None)],
)  # fmt: skip
def test_messaging_server_s_reason_lines(diagnostic: str, command: str | None, hint: str | None) -> None:
    refined = messagingserver.refine(Finding("a@b.example", diagnostic))
    assert (refined.command, refined.hint) == (command, hint)
    assert messagingserver.refine(Finding("a@b.example", diagnostic, command="DATA")).command == "DATA"


@pytest.mark.parametrize(
    ("diagnostic", "hint"),
    [("550 lou@corp.example... No such user", "userunknown"),
     ("542 lou@corp.example Rejected", "userunknown"),
     ("530 Please turn on SMTP Authentication in your mail client.", "securityerror"),
     ("550 5.7.1 spam", None)],
)  # fmt: skip
def test_messagelabs_s_wording(diagnostic: str, hint: str | None) -> None:
    assert messagelabs.refine(Finding("a@b.example", diagnostic)).hint == hint


def test_messagelabs_is_recognised_only_with_all_three_signs() -> None:
    assert messagelabs.sniff(Notice.read(MESSAGELABS))
    assert not messagelabs.sniff(Notice.read(MESSAGELABS.replace(b"X-Msg-Ref", b"X-Other")))
    assert not messagelabs.sniff(Notice.read(MESSAGELABS.replace(b"MAILER-DAEMON@messagelabs", b"MAILER-DAEMON@x")))
    assert not messagelabs.sniff(Notice.read(MESSAGELABS.replace(b"Subject: Mail", b"Subject: Re: Mail")))


@pytest.mark.parametrize(
    ("sentence", "subject", "reason"),
    [("NOT MEMBER article from a@b.example <club@lists.example>.", "x", "rejected"),
     ("reject mail from a@b.example <club@lists.example>.", "x", "rejected"),
     ("reject since X-ML-Name header may cause mail loop <club@lists.example>.", "x", "rejected"),
     ("Duplicated Message-ID <club@lists.example>.", "x", "systemerror"),
     ("fml 4.0 has detected a loop condition so that <club@lists.example>.", "x", "systemerror"),
     ("Loop Back Warning: <club@lists.example>.", "x", "systemerror"),
     ("Security alert: <club@lists.example>.", "x", "securityerror"),
     ("Sorry <club@lists.example>.", "Spam mail from a spammer is rejected", "rejected"),
     ("Sorry <club@lists.example>.", "fml system error message", "systemerror"),
     ("Sorry <club@lists.example>.", "Loop Alert: something", "systemerror"),
     ("Sorry <club@lists.example>.", "WARNING: UNIX FROM Loop", "systemerror"),
     ("Sorry <club@lists.example>.", "Security Alert", "securityerror"),
     ("Sorry <club@lists.example>.", "Hello", None)],
)  # fmt: skip
def test_fml_s_sentences_then_its_subjects(sentence: str, subject: str, reason: str | None) -> None:
    raw = FML.replace(b"You are not a member of this mailing list <club@lists.example>.", sentence.encode())
    raw = raw.replace(b"You orders@shop.example are not member (club ML)", subject.encode())
    assert [(f.email, f.hint) for f in fml.read(Notice.read(raw))] == [("club@lists.example", reason)]


def test_fml_is_recognised_only_with_all_three_signs() -> None:
    assert fml.sniff(Notice.read(FML))
    assert not fml.sniff(Notice.read(FML.replace(b"X-MLServer", b"X-Other")))
    assert not fml.sniff(Notice.read(FML.replace(b"club-admin@", b"club@")))
    assert not fml.sniff(Notice.read(FML.replace(b".FMLAB12.", b".AB12.")))


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [("The user(s) account is temporarily over quota.", "mailboxfull"),
     ("The user(s) account is disabled.", "suspend"), ("The user(s) account is temporarily limited.", "suspend"),
     ("Your message was not delivered within 2 days.", "expired"),
     ("Each of the following recipients was rejected by a remote mail server.", "onhold")],
)  # fmt: skip
def test_au_s_sentences_the_domain_filter_and_the_transcript(sentence: str, reason: str) -> None:
    raw = EZWEB.replace(b"The user(s) account is temporarily over quota.", sentence.encode())
    assert [f.hint for f in ezweb.read(Notice.read(raw))] == [reason]
    filtered = raw.replace(b"Subject: Mail", b"X-SPASIGN: NG\nSubject: Mail")
    assert [f.hint for f in ezweb.read(Notice.read(filtered))] == ["filtered"]
    transcript = raw.replace(b"\n---", b"\n    >>> RCPT TO:<kei@ezweb.ne.jp>\n    <<< 550 unknown\n---")
    assert [f.hint for f in ezweb.read(Notice.read(transcript))] == ["userunknown"]


def test_au_is_recognised_by_two_of_its_signs() -> None:
    assert ezweb.sniff(Notice.read(EZWEB))
    only_subject = EZWEB.replace(b"Postmaster@ezweb.ne.jp", b"postmaster@other.example").replace(
        b"wsmtp.ezweb.ne.jp", b"mx.other.example"
    )
    assert not ezweb.sniff(Notice.read(only_subject))
    received = only_subject.replace(b"To: <orders", b"Received: from a by b.au.com (x) with ESMTP\nTo: <orders")
    assert ezweb.sniff(Notice.read(received))


def test_verizon_s_picture_gateway_names_the_recipient_on_a_to_line() -> None:
    bounce = parse_bounce(VERIZON_PICTURES)
    assert bounce is not None and bounce.extra["family"] == "verizon"
    assert [(r.email, r.diagnostic, r.reason) for r in bounce.recipients] == [
        ("5550101@vzwpix.com", "Error: No valid recipients for this MM", "userunknown")
    ]


MESSAGING_SERVER_POLICY_CODE = """Date: Tue, 3 Mar 2026 10:00:00 +0000
From: Internet Mail Delivery <postmaster@ms.shop.example>
To: orders@shop.example
Subject: Delivery Notification: Delivery has failed

This report relates to a message you sent with the following header fields:

  Message-id: <order-42@shop.example>
  To: lee@corp.example

Your message cannot be delivered to the following recipients:

  Recipient address: lee@corp.example
  Reason: Remote SMTP server has rejected address
  Diagnostic code: smtp;550 5.7.1 Unknown user lee@corp.example
"""


def test_a_messaging_server_report_of_an_unknown_user_under_a_policy_code_reads_as_sisimai_5_does() -> None:
    # No command named, a 5.7.1 code (no user-unknown code): sisimai 5's filtered rule applies.
    assert recipients(MESSAGING_SERVER_POLICY_CODE) == [("lee@corp.example", "5.7.1", "filtered")]


def test_domino_s_spanish_unknown_user_sentence() -> None:
    # sisimai 5's Domino table: "not in the Domino Directory" in Spanish is an unknown user
    assert domino.MESSAGES("El usuario lee no se encuentra en el Directorio de Domino") == "userunknown"
