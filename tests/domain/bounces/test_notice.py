"""The views of a notice: who sent it, to whom, its report type, its parts, its returned original."""

from __future__ import annotations

import pytest

from domain.bounces.notice import Notice


def _notice(headers: str, body: str = "") -> Notice:
    return Notice.read((headers + "\n\n" + body).encode())


@pytest.mark.parametrize(
    ("headers", "daemon", "null"),
    [
        ("From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example>", True, False),
        ("From: kim@example.com\nSender: postmaster@mx.example", True, False),
        ("From: kim@example.com\nReturn-Path: <>", False, True),
        ("From: kim@example.com\nReturn-Path:", False, True),
        ("From: <>", False, True),
        ("From: kim@example.com\nReturn-Path: <kim@example.com>", False, False),
        ("Subject: no from at all", False, True),
    ],
)  # fmt: skip
def test_a_daemon_sender_and_a_null_sender(headers: str, daemon: bool, null: bool) -> None:
    notice = _notice(headers)
    assert (notice.from_daemon, notice.null_sender) == (daemon, null)


def test_sender_own_and_list_addresses_are_cleaned_and_kept_apart() -> None:
    notice = _notice(
        "From: Kim <Kim@Example.com>\nReturn-Path: <bounce@mx.example>\nTo: Lee <lee@example.org>\n"
        "Cc: cc@example.org\nReply-To: reply@example.org\nDelivered-To: box@example.org\n"
        "List-Unsubscribe: <mailto:leave@lists.example>\nList-Id: <news.lists.example>"
    )
    assert notice.sender_addresses == {"kim@example.com", "bounce@mx.example"}
    assert notice.own_addresses == {
        "kim@example.com", "bounce@mx.example", "lee@example.org", "cc@example.org", "reply@example.org",
        "box@example.org",
    }  # fmt: skip
    assert notice.list_addresses == {"leave@lists.example"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [("Content-Type: multipart/report; report-type=Delivery-Status; boundary=b", "delivery-status"),
     ("Content-Type: multipart/mixed; report-type=delivery-status; boundary=b", ""),
     ("Content-Type: multipart/report; boundary=b", "")],
)  # fmt: skip
def test_the_report_type_is_read_only_from_a_multipart_report(headers: str, expected: str) -> None:
    assert _notice(headers).report_type == expected


REPORT = (
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    "--b\n\nIt failed.\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
    "Final-Recipient: rfc822; a@x.example\n--b\nContent-Type: text/rfc822-headers\n\n"
    "Message-ID: <m@x.example>\nSubject: original\n--b--\n",
)


def test_the_status_texts_the_first_part_of_a_type_and_the_original_headers() -> None:
    notice = _notice(*REPORT)
    assert notice.status_texts == ["Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@x.example"]
    assert [p.content_type for p in notice.parts] == [
        "multipart/report", "text/plain", "message/delivery-status", "text/rfc822-headers",
    ]  # fmt: skip
    assert notice.first("image/png", "text/plain") is notice.parts[1]
    assert notice.first("image/png") is None
    original = notice.original
    assert original is not None
    assert original.field("message-id") == "<m@x.example>"
    assert original.depth == 2


def test_an_attached_message_is_the_original_and_no_attachment_is_none() -> None:
    attached = _notice(
        'Content-Type: multipart/mixed; boundary="b"',
        "--b\n\nfailed\n--b\nContent-Type: message/rfc822\n\nMessage-ID: <a@x.example>\n\nbody\n--b--\n",
    )
    assert attached.original is not None
    assert attached.original.field("message-id") == "<a@x.example>"
    assert _notice("Subject: x", "no original").original is None


def test_the_body_views_lower_case_unquote_and_split_it() -> None:
    notice = _notice("Subject: Delivery FAILED", "Hello THERE\n> quoted\n>>> DATA\n")
    assert notice.lower_subject == "delivery failed"
    assert notice.lower_body == "hello there\n> quoted\n>>> data\n"
    assert notice.unquoted_body == "Hello THERE\nquoted\n>>> DATA\n"
    assert notice.lines == ["Hello THERE", "quoted", ">>> DATA", ""]
    assert _notice("Subject: x", "a" * 9000).intro == "a" * 8192
    assert _notice("Subject: x", "plain").unquoted_body == "plain"


def test_failed_recipients_are_cleaned_deduplicated_and_in_order() -> None:
    notice = _notice("X-Failed-Recipients: B@x.example, a@x.example\nX-Failed-Recipients: b@x.example")
    assert notice.failed_header == ["b@x.example", "a@x.example"]
    assert _notice("Subject: x").failed_header == []


def test_a_header_is_decoded_and_the_sender_joins_from_return_path_and_sender() -> None:
    notice = _notice("From: =?utf-8?q?Post_Master?= <pm@x.example>\nReturn-Path: <>\nSender: s@x.example")
    assert notice.subject == ""
    assert notice.sender == "Post Master <pm@x.example> <> s@x.example"
