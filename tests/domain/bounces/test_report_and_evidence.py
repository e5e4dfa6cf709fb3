"""RFC 3464 fields, what is and is not a bounce, dates, and the returned original's identity."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces import evidence, report
from domain.bounces.dates import parse_date
from domain.bounces.notice import Notice
from domain.bounces.original import original_headers


def test_per_message_fields_and_one_group_per_recipient() -> None:
    fields, groups = report.read_fields(
        "Reporting-MTA: dns; mx.example\nArrival-Date: Tue, 2 Jan 2024 10:00:00 +0000\n\n"
        "Final-Recipient: rfc822; a@x.example\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 unknown\n  user\n\n"
        "Final-Recipient: rfc822; b@x.example\nAction: delayed\nStatus: 4.4.7\n"
    )
    assert fields["reporting-mta"] == "dns; mx.example"
    assert [g["final-recipient"] for g in groups] == ["rfc822; a@x.example", "rfc822; b@x.example"]
    assert groups[0]["diagnostic-code"] == "smtp; 550 5.1.1 unknown user"


@pytest.mark.parametrize(
    "text",
    [
        # no blank line between the recipients
        "Final-Recipient: rfc822; a@x.example\nAction: failed\nFinal-Recipient: rfc822; b@x.example\nAction: failed\n",
        # Exim writes Action before Final-Recipient
        "Action: failed\nFinal-Recipient: rfc822; a@x.example\nStatus: 5.0.0\n\nAction: failed\nFinal-Recipient: rfc822; b@x.example\n",
        # the per-message fields run straight into the first recipient
        "Reporting-MTA: dns; mx\nFinal-Recipient: rfc822; a@x.example\nAction: failed\n\nFinal-Recipient: rfc822; b@x.example\n",
    ],
)
def test_recipients_are_told_apart_without_blank_lines(text: str) -> None:
    _, groups = report.read_fields(text)
    assert [report.entry(g).address for g in groups] == ["a@x.example", "b@x.example"]


def test_an_entry_reads_address_action_status_and_diagnostic_type() -> None:
    item = report.entry(
        {
            "original-recipient": "rfc822; alias@x.example",
            "final-recipient": "rfc822; Real@X.example",
            "action": "Failed (permanent)",
            "status": "5.1.1 (bad mailbox)",
            "diagnostic-code": "X-Postfix; unknown user",
            "remote-mta": "dns; mx.x.example",
        }
    )
    assert (item.address, item.action, item.status) == ("real@x.example", "failed", "5.1.1")
    assert (item.diagnostic, item.kind, item.remote_mta) == ("unknown user", "x-postfix", "mx.x.example")
    assert (
        report.entry({"original-recipient": "rfc822;o@x.example", "final-recipient": "rfc822; |/bin/prog"}).address
        == "o@x.example"
    )
    assert (
        report.entry({"x-actual-recipient": "rfc822;z@x.example", "final-recipient": "rfc822;local"}).address
        == "z@x.example"
    )
    plain = report.entry({"final-recipient": "a@x.example", "diagnostic-code": "550 no such user"})
    assert (plain.kind, plain.diagnostic) == ("", "550 no such user")


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [("delivered", None, True), ("relayed", "2.0.0", True), ("expanded", None, True), ("failed", "2.1.5", True),
     ("failed", "5.1.1", False), ("delayed", "4.4.7", False), ("", None, False)],
)  # fmt: skip
def test_success_is_a_delivered_relayed_or_expanded_action_or_a_2xx_status(
    action: str, status: str | None, expected: bool
) -> None:
    assert report.is_success(action, status) is expected


def test_report_fields_in_quoted_text_are_found_and_unquoted() -> None:
    region = report.dsn_region("> Final-Recipient: rfc822; a@x.example\n> Action: failed\n")
    assert region == "Final-Recipient: rfc822; a@x.example\nAction: failed\n"
    assert report.dsn_region("nothing like a report") == ""
    assert report.strip_type("rfc822; a@x.example") == "a@x.example"
    assert report.strip_type("plain value; with a semicolon later") == "plain value; with a semicolon later"


def _notice(headers: str, body: str = "") -> Notice:
    return Notice.read((headers + "\n\n" + body).encode())


def test_feedback_reports_and_read_receipts_are_other_reports() -> None:
    arf = _notice("Content-Type: multipart/report; report-type=feedback-report; boundary=b")
    mdn = _notice(
        'Content-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: message/disposition-notification\n\nx\n--b--\n",
    )
    assert evidence.is_other_report(arf)
    assert evidence.is_other_report(mdn)
    assert not evidence.is_other_report(_notice("Content-Type: multipart/report; report-type=delivery-status"))


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ("From: kim@example.com\nSubject: Out of office", "I am away.", True),
        ("From: kim@example.com\nSubject: Re: invoice\nX-Autoreply: yes", "Thanks.", True),
        ("From: kim@example.com\nSubject: hi\nPrecedence: auto_reply", "Hi.", True),
        ("From: kim@example.com\nSubject: Please confirm", "Click here to confirm that you sent this.", True),
        ("From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail", "could not be delivered", False),
        ("From: kim@example.com\nSubject: lunch?", "See you at noon.", False),
    ],
)
def test_auto_replies_and_challenges_are_not_bounces(headers: str, body: str, expected: bool) -> None:
    assert evidence.is_other_automatic_mail(_notice(headers, body)) is expected


def test_the_evidence_score_adds_up_each_sign_of_a_bounce() -> None:
    plain = _notice("From: kim@example.com\nSubject: hello", "hello")
    assert evidence.score(plain, placed=False) == 0
    bounce = _notice(
        "From: MAILER-DAEMON@mx.example\nReturn-Path: <>\nSubject: Undeliverable: hello\n"
        'Content-Type: multipart/mixed; boundary="b"',
        "--b\n\nYour message could not be delivered.\n--b\nContent-Type: message/rfc822\n\nSubject: x\n\n--b--\n",
    )
    assert evidence.score(bounce, placed=True) == 2 + 1 + 2 + 2 + 1 + 1


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Delayed Mail (still being retried)", "Your message could not be delivered for more than 4 hour(s).", True),
        ("Warning: message delayed", "This is a warning only.", True),
        (
            "Undelivered Mail Returned to Sender",
            "I'm sorry, it could not be delivered to one or more recipients.",
            False,
        ),
        ("Delivery Status Notification", "The message will be retried for 2 more days.", True),
        ("Delivery Status Notification", "This is a permanent error; I've given up.", False),
    ],
)
def test_a_delay_notice_says_delivery_is_still_being_tried(subject: str, body: str, expected: bool) -> None:
    assert evidence.is_delay_notice(_notice(f"Subject: {subject}", body)) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 02 Jan 2024 10:00:00 +0100", datetime(2024, 1, 2, 9, 0, tzinfo=UTC)),
        ("dns; Tue, 02 Jan 2024 10:00:00 +0000", datetime(2024, 1, 2, 10, 0, tzinfo=UTC)),
        ("Tue, 02 Jan 2024 10:00:00", None),
        ("Tue, 02 Jan 99999999999999999999 10:00:00 +0000", None),
        ("Tue, 02 Jan 2024 10:00:00 +9999", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_an_unreadable_date_is_none(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Tue, 02 Jan 2024 10:00:00 -0000",  # RFC 5322 §3.3: the zone is unknown
        "Tue, 02 Jan 2024 10:00:00 -0530",
        "2 jan 2024 23:59:59 +1400 (LINT)",
        "Sat, 31 Feb 2024 10:00:00 +0000",
        "Tue, 02 Jan 2024 24:00:00 +0000",
        "Tue, 02 Jan 2024 10:00:60 +0000",
        "Mon, 01 Jan 0001 00:30:00 +0100",
        "Mon, 01 Jan 0000 00:30:00 +0000",
        "Tue, 02 Foo 2024 10:00:00 +0000",
        "Tue, 02 Jan 2024 10:00:00 +2400",
        "Tue, 02 Jan 2024 10:00:00 +0000 (Coordinated Universal Time)",
        "Tue,  2 Jan 2024 10:00 +0000",
    ],
)
def test_the_common_date_form_reads_as_the_general_parser_reads_it(value: str) -> None:
    try:
        general = email.utils.parsedate_to_datetime(value)
        wanted = general.astimezone(UTC) if general.tzinfo is not None else None
    except (ValueError, OverflowError, IndexError, TypeError):
        wanted = None
    assert parse_date(value) == wanted


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
    st.sampled_from(["%a, %d %b %Y %H:%M:%S", "%d %b %Y %H:%M:%S", "%a,%d %b %Y %H:%M:%S"]),
)
def test_any_date_in_the_common_form_reads_as_the_general_parser_reads_it(
    moment: datetime, minutes: int, layout: str
) -> None:
    sign = "-" if minutes < 0 else "+"
    value = f"{moment.strftime(layout)} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    general = email.utils.parsedate_to_datetime(value)
    assert parse_date(value) == (general.astimezone(UTC) if general.tzinfo is not None else None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a b; Tue, 02 Jan 2024 10:00:00 +0000", datetime(2024, 1, 2, 10, 0, tzinfo=UTC)),
        ("dns; Tue, 02 Jan 2024 10:00:00 +0000 (a;b)", datetime(2024, 1, 2, 10, 0, tzinfo=UTC)),
        ("dns; Tue, 02 Jan 2024 10:00:00 +0000; more", None),
        ("a" * 20 + "; Tue, 02 Jan 2024 10:00:00 +0000", None),  # a type is at most 19 characters before its ';'
        ("a" * 19 + "; Tue, 02 Jan 2024 10:00:00 +0000", datetime(2024, 1, 2, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_type_before_the_first_semicolon_is_dropped(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["Tue, 02 Jan 2024 10:00:00 +0100", "2 Jan 2024 10:00 +0100", "dns; 2 Jan 2024 10:00 EST"]
)
def test_a_date_is_given_in_utc_itself_not_only_at_the_same_instant(value: str) -> None:
    parsed = parse_date(value)
    assert parsed is not None and parsed.tzinfo is UTC


def test_the_original_s_identity_comes_from_the_attachment_or_the_pasted_copy() -> None:
    attached = _notice(
        'Content-Type: multipart/report; boundary="b"',
        "--b\n\nfailed\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <m1@x.example>\nX-Mailtrail-Id: abc\n--b--\n",
    )
    assert original_headers(attached) == {"message-id": "<m1@x.example>", "x-mailtrail-id": "abc"}
    pasted = _notice(
        "Subject: failure notice",
        "Sorry.\n\n--- Below this line is a copy of the message.\n\nMessage-ID: <m2@x.example>\nSubject: hi\n\nbody\n",
    )
    assert original_headers(pasted) == {"message-id": "<m2@x.example>"}
    assert original_headers(_notice("Subject: x", "nothing returned")) == {}


@pytest.mark.parametrize("name", ["FAILURE_TEXT", "DELAY_TEXT", "PERMANENT_TEXT", "CHALLENGE_TEXT"])
@pytest.mark.parametrize(
    "text",
    ["your message could not be delivered to the following recipients", "the following addresses had errors",
     "delivery to the following recipient has been delayed. will retry for 2 days", "this is a warning",
     "giving up on it. permanent error", "please click here to confirm you sent this", "boxbe guest list",
     "these recipients failed", "delivery to bob@example.com failed", "nothing to see here", ""],
)  # fmt: skip
def test_the_evidence_phrases_run_by_gate_find_what_their_whole_pattern_finds(name: str, text: str) -> None:
    phrases = getattr(evidence, name)
    assert phrases.found_in(text) == (phrases.pattern.search(text) is not None)


def test_the_received_fields_are_joined_unfolded_lower_cased_and_cut() -> None:
    raw = b"Received: from A.example\n\tby B.example; Tue\nReceived: (qmail 1 invoked for bounce)\nSubject: x\n\nbody\n"
    assert Notice.read(raw).received == "from a.example by b.example; tue (qmail 1 invoked for bounce)"
    many = b"".join(b"Received: from host%d.example by mx.example\n" % i for i in range(400)) + b"\nbody\n"
    assert len(Notice.read(many).received) == 4000
    assert Notice.read(b"Subject: x\n\nbody\n").received == ""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"final-recipient": "rfc822; a@x.example"}, ("a@x.example", "", None, "", "", "")),
        ({"final-recipient": "rfc822; a@x.example", "action": "Delivered\t(ok)", "status": "2.0.0"},
         ("a@x.example", "delivered", "2.0.0", "", "", "")),
        ({"final-recipient": "a@x.example", "diagnostic-code": "550 5.1.1 unknown; try later"},
         ("a@x.example", "", None, "550 5.1.1 unknown; try later", "", "")),
        ({"final-recipient": "a@x.example", "diagnostic-code": "smtp;550 no", "remote-mta": "mx.x.example"},
         ("a@x.example", "", None, "550 no", "smtp", "mx.x.example")),
        ({"final-recipient": "rfc822; local-only", "action": "  "}, (None, "", None, "", "", "")),
    ],
)  # fmt: skip
def test_an_entry_reads_each_field_and_leaves_a_missing_one_empty(
    fields: dict[str, str], expected: tuple[str | None, str, str | None, str, str, str]
) -> None:
    item = report.entry(fields)
    assert (item.address, item.action, item.status, item.diagnostic, item.kind, item.remote_mta) == expected


def test_a_tab_after_the_action_still_ends_its_first_word_so_a_delivery_is_a_success() -> None:
    item = report.entry({"final-recipient": "rfc822; a@x.example", "action": "delivered\t(relayed to mx)"})
    assert report.is_success(item.action, item.status)


def test_a_continuation_line_before_any_field_is_skipped() -> None:
    fields, groups = report.read_fields(
        "  stray continuation\nReporting-MTA: dns; mx\n\nFinal-Recipient: a@x.example\n"
    )
    assert fields == {"reporting-mta": "dns; mx"}
    assert groups == [{"final-recipient": "a@x.example"}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("rfc822; a@x.example", "a@x.example"), ("dns; mx.example; extra", "mx.example; extra"),
     ("plain value; with a semicolon later", "plain value; with a semicolon later"), ("  bare  ", "bare")],
)  # fmt: skip
def test_strip_type_drops_only_the_type_before_the_first_semicolon(value: str, expected: str) -> None:
    assert report.strip_type(value) == expected


@pytest.mark.parametrize(
    ("address", "expected"), [(None, None), ("", None), ("<A@X.example>", "a@x.example"), ("nobody", None)]
)
def test_cleaned_cleans_an_address_and_passes_none_through(address: str | None, expected: str | None) -> None:
    assert report.cleaned(address) == expected


FR_A, FR_B, OR_O = (
    "Final-Recipient: rfc822; a@x.example",
    "Final-Recipient: rfc822; b@x.example",
    "Original-Recipient: o",
)


@pytest.mark.parametrize(
    ("text", "per_message", "groups"),
    [
        # the per-message fields run straight into the first recipient: they stay per-message
        (f"Reporting-MTA: dns; mx\n{FR_A}\nAction: failed\n", {"reporting-mta": "dns; mx"},
         [{"final-recipient": "rfc822; a@x.example", "action": "failed"}]),
        # Exim writes Action first: the recipient after it joins the Action's group
        (f"Action: failed\n{FR_A}\nStatus: 5.0.0", {},
         [{"action": "failed", "final-recipient": "rfc822; a@x.example", "status": "5.0.0"}]),
        # an Original-Recipient after a recipient and its Action begins the next recipient
        (f"{FR_A}\nAction: failed\n{OR_O}\n{FR_B}\n", {},
         [{"final-recipient": "rfc822; a@x.example", "action": "failed"},
          {"original-recipient": "o", "final-recipient": "rfc822; b@x.example"}]),
        # ... but before its Action it is the same recipient's, and so is an X-Actual-Recipient
        (f"{FR_A}\n{OR_O}\nAction: failed\nX-Actual-Recipient: z\n", {},
         [{"final-recipient": "rfc822; a@x.example", "original-recipient": "o", "action": "failed",
           "x-actual-recipient": "z"}]),
        # a per-message field inside a recipient's group does not split it
        (f"{FR_A}\nArrival-Date: d\n{OR_O}\n", {},
         [{"final-recipient": "rfc822; a@x.example", "arrival-date": "d", "original-recipient": "o"}]),
        # a group without a Final- or Original-Recipient is per-message, X-Actual-Recipient or not
        ("X-Actual-Recipient: z@x.example\n", {"x-actual-recipient": "z@x.example"}, []),
    ],
)  # fmt: skip
def test_groups_begin_where_a_new_recipient_begins(
    text: str, per_message: dict[str, str], groups: list[dict[str, str]]
) -> None:
    assert report.read_fields(text) == (per_message, groups)


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Diagnostic-Code: smtp; 550 at 10:00:00\n", {"diagnostic-code": "smtp; 550 at 10:00:00"}),
        ("Diagnostic-Code: smtp; 550\n\tfolded with a tab\n", {"diagnostic-code": "smtp; 550 folded with a tab"}),
        ("Status: 5.0.0\nYour message: was refused\nAction: failed\n", {"status": "5.0.0", "action": "failed"}),
        ("Status: 5.0.0\n: no name\nplain words\nAction: failed\n", {"status": "5.0.0", "action": "failed"}),
        ("Status: 5.0.0\nnot a field\n  its continuation\n", {"status": "5.0.0"}),
        ("Status: 5.0.0\n\n  indented after a blank line\n", {"status": "5.0.0"}),
        ("X-" + "n" * 38 + ": forty\nX-" + "n" * 39 + ": forty-one\n", {"x-" + "n" * 38: "forty"}),
    ],
)  # fmt: skip
def test_a_field_is_a_short_name_without_blanks_then_a_colon_and_folded_lines_continue_it(
    text: str, group: dict[str, str]
) -> None:
    assert report.read_fields(text) == (group, [])


def test_a_field_is_continued_only_while_it_is_under_two_thousand_characters() -> None:
    _, groups = report.read_fields(f"{FR_A}\nDiagnostic-Code: {'x' * 2000}\n more\n")
    assert groups[0]["diagnostic-code"] == "x" * 2000
    _, groups = report.read_fields(f"{FR_A}\nDiagnostic-Code: {'x' * 1999}\n more\n")
    assert groups[0]["diagnostic-code"] == "x" * 1999 + " more"


def test_reading_stops_after_max_blocks_recipients() -> None:
    blocks = "".join(f"Final-Recipient: rfc822; r{i}@x.example\n\n" for i in range(report.MAX_BLOCKS + 5))
    per_message, groups = report.read_fields("Reporting-MTA: dns; mx\n\n" + blocks)
    assert per_message == {"reporting-mta": "dns; mx"}
    assert len(groups) == report.MAX_BLOCKS
    assert groups[-1] == {"final-recipient": f"rfc822; r{report.MAX_BLOCKS - 1}@x.example"}
