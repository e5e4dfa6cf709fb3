"""The input rules every way of composing an email shares: each boundary, each refusal, its exact error."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from domain.errors import DomainError, ErrorCode
from domain.validation import (
    LINE_BREAKS,
    MAX_FILENAME_CHARS,
    MAX_SUBJECT_CHARS,
    MIME_OVERHEAD_BYTES,
    AttachmentData,
    base64_size,
    check_context,
    check_header_value,
    check_message_size,
    check_planned_time,
    check_recipient_count,
    check_subject,
    check_text,
    decode_attachments,
    normalize_address,
    normalize_addresses,
    unsafe_text_reason,
)

MIB = 1024 * 1024
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def refused(call: Callable[[], object], code: ErrorCode, message: str, field: str | None) -> None:
    """`call` raises exactly this DomainError: code, whole message and field."""
    with pytest.raises(DomainError, match=f"^{re.escape(message)}$") as caught:
        call()
    assert (caught.value.code, caught.value.message, caught.value.field) == (code, message, field)


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_the_limits_are_rfc_5322_lines_and_common_file_systems() -> None:
    assert (MAX_SUBJECT_CHARS, MAX_FILENAME_CHARS) == (998, 255)


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("bob@example.com", "bob@example.com"),
        ("  Bob@Example.COM ", "bob@example.com"),  # surrounding blanks dropped, ASCII folded to lower case
        ("Zoë@Exämple.com", "Zoë@exämple.com"),  # an internationalised local part keeps its case
        ("nobody@nowhere.invalid", "nobody@nowhere.invalid"),  # Gmail bounces these: demos and tests rely on it
        ("someone@mail.test", "someone@mail.test"),
    ],
)
def test_an_address_is_validated_and_normalized(given: str, normalized: str) -> None:
    assert normalize_address(given, "to") == normalized


@pytest.mark.parametrize(
    ("given", "why"),
    [  # the reason is email_validator's own wording; only a telling part of it is pinned
        ("not an address", "must have an @-sign"),
        ("", "must have an @-sign"),
        ("x@localhost", "should have a period"),
        ("x@printer.local", "special-use or reserved name"),
        ("x@hidden.onion", "special-use or reserved name"),
        ("a@@example.com", "@"),
    ],
)
@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_an_invalid_address_is_refused_in_the_field_it_came_from(given: str, why: str, field: str) -> None:
    prefix = f"{given!r} is not a valid email address: "
    with pytest.raises(DomainError, match=f"^{re.escape(prefix)}.*{re.escape(why)}") as caught:
        normalize_address(given, field)
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_EMAIL, field)


@pytest.mark.parametrize("given", ["a@example.com\r\nBcc: victim@example.com", "a@example.com\n", "\ra@example.com"])
def test_a_line_break_in_an_address_is_header_injection(given: str) -> None:
    refused(lambda: normalize_address(given, "cc"), ErrorCode.HEADER_INJECTION, "cc must not contain line breaks", "cc")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ([], []),
        (["b@example.com", "a@example.com"], ["b@example.com", "a@example.com"]),
        (["b@example.com", "a@example.com", "B@Example.com"], ["b@example.com", "a@example.com"]),
        (["a@example.com", " a@example.com", "c@example.com", "a@example.com"], ["a@example.com", "c@example.com"]),
    ],
)
def test_duplicate_addresses_are_dropped_keeping_the_first_order(given: list[str], kept: list[str]) -> None:
    assert normalize_addresses(given, "to") == kept


def test_one_bad_address_in_a_list_refuses_the_list_in_its_field() -> None:
    with pytest.raises(DomainError, match=r"^'nope' is not a valid email address: .*@-sign") as caught:
        normalize_addresses(["a@example.com", "nope"], "bcc")
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_EMAIL, "bcc")


def addresses(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{i}@example.com" for i in range(count)]


@pytest.mark.parametrize(
    ("to", "cc", "bcc"),
    [(0, 0, 0), (1, 0, 0), (100, 0, 0), (0, 100, 0), (0, 0, 100), (34, 33, 33), (98, 1, 1)],
)
def test_up_to_exactly_the_limit_of_recipients_is_accepted(to: int, cc: int, bcc: int) -> None:
    check_recipient_count(addresses(to, "to"), addresses(cc, "cc"), addresses(bcc, "bcc"), 100)


@pytest.mark.parametrize(
    ("to", "cc", "bcc", "total"),
    [(101, 0, 0, 101), (100, 1, 0, 101), (100, 0, 1, 101), (0, 101, 0, 101), (1, 0, 100, 101), (50, 50, 50, 150)],
)
def test_one_recipient_over_the_limit_in_any_field_is_refused(to: int, cc: int, bcc: int, total: int) -> None:
    refused(
        lambda: check_recipient_count(addresses(to, "to"), addresses(cc, "cc"), addresses(bcc, "bcc"), 100),
        ErrorCode.TOO_MANY_RECIPIENTS,
        f"{total} recipients given; at most 100 are allowed",
        "to",
    )


def test_the_recipient_limit_is_the_one_given() -> None:
    check_recipient_count(["a@example.com", "b@example.com"], [], [], 2)
    refused(
        lambda: check_recipient_count(["a@example.com"], ["b@example.com"], ["c@example.com"], 2),
        ErrorCode.TOO_MANY_RECIPIENTS,
        "3 recipients given; at most 2 are allowed",
        "to",
    )


@pytest.mark.parametrize("value", [None, "", "plain text", "tab\tis fine", "Zoë – ok"])
def test_a_header_value_without_line_breaks_passes(value: str | None) -> None:
    check_header_value(value, "subject")


@pytest.mark.parametrize("value", ["\r", "\n", "a\r\nb", "trailing\n", "\rleading"])
@pytest.mark.parametrize("field", ["subject", "fromName", "attachments.filename"])
def test_a_header_value_with_cr_or_lf_is_refused_in_its_field(value: str, field: str) -> None:
    refused(
        lambda: check_header_value(value, field),
        ErrorCode.HEADER_INJECTION,
        f"{field} must not contain line breaks",
        field,
    )


@pytest.mark.parametrize("subject", [None, "", "Invoice 7", "x" * 997, "x" * 998, "é" * 998])
def test_a_subject_of_up_to_998_characters_is_accepted(subject: str | None) -> None:
    check_subject(subject)


@pytest.mark.parametrize("subject", ["x" * 999, "é" * 999, "x" * 5000])
def test_a_subject_longer_than_998_characters_is_refused(subject: str) -> None:
    refused(lambda: check_subject(subject), ErrorCode.INVALID_INPUT, "subject is longer than 998 characters", "subject")


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: victim@example.com", "x" * 999 + "\n"])
def test_a_subject_with_a_line_break_is_header_injection(subject: str) -> None:
    refused(
        lambda: check_subject(subject), ErrorCode.HEADER_INJECTION, "subject must not contain line breaks", "subject"
    )


@pytest.mark.parametrize("context_type", [None, "i", "invoice", "x" * 99, "x" * 100])
def test_a_context_type_of_1_to_100_characters_is_accepted(context_type: str | None) -> None:
    check_context(context_type)


@pytest.mark.parametrize("context_type", ["", "x" * 101, "x" * 1000])
def test_an_empty_or_overlong_context_type_is_refused(context_type: str) -> None:
    refused(
        lambda: check_context(context_type),
        ErrorCode.INVALID_INPUT,
        "contextType must be 1 to 100 characters",
        "contextType",
    )


def test_a_context_type_with_a_line_break_is_header_injection() -> None:
    refused(
        lambda: check_context("invoice\nX-Evil: 1"),
        ErrorCode.HEADER_INJECTION,
        "contextType must not contain line breaks",
        "contextType",
    )


def test_attachments_are_decoded_in_order_with_their_types_lower_cased() -> None:
    decoded = decode_attachments(
        [
            ("invoice-7.pdf", "Application/PDF", b64(b"%PDF-1.4")),
            ("Übersicht März.csv", "text/csv", b64(b"a;b\n1;2\n")),
            ("empty.txt", "text/plain", ""),
        ],
        MIB,
    )
    assert decoded == [
        AttachmentData("invoice-7.pdf", "application/pdf", b"%PDF-1.4"),
        AttachmentData("Übersicht März.csv", "text/csv", b"a;b\n1;2\n"),
        AttachmentData("empty.txt", "text/plain", b""),
    ]


def test_no_attachments_decode_to_none() -> None:
    assert decode_attachments([], 0) == []


@pytest.mark.parametrize("filename", ["a", "a.pdf", "x" * 254, "x" * 255, " leading and trailing blanks .txt "])
def test_a_filename_of_up_to_255_characters_is_accepted(filename: str) -> None:
    (decoded,) = decode_attachments([(filename, "text/plain", b64(b"x"))], MIB)
    assert decoded.filename == filename


@pytest.mark.parametrize("filename", ["", " ", "\t", "x" * 256, "dir/a.pdf", "/etc/passwd", "..\\a.pdf", "a\\b"])
def test_an_empty_overlong_or_path_like_filename_is_refused(filename: str) -> None:
    refused(
        lambda: decode_attachments([(filename, "text/plain", b64(b"x"))], MIB),
        ErrorCode.INVALID_ATTACHMENT,
        f"invalid attachment filename {filename!r}",
        "attachments",
    )


@pytest.mark.parametrize(
    ("filename", "content_type", "field"),
    [
        ("a\r\n.pdf", "application/pdf", "attachments.filename"),
        ("a.pdf", "application/pdf\r\nX-Evil: 1", "attachments.contentType"),
        ("a.pdf", "application/pdf\n", "attachments.contentType"),
    ],
)
def test_a_line_break_in_a_filename_or_type_is_header_injection(filename: str, content_type: str, field: str) -> None:
    refused(
        lambda: decode_attachments([(filename, content_type, b64(b"x"))], MIB),
        ErrorCode.HEADER_INJECTION,
        f"{field} must not contain line breaks",
        field,
    )


@pytest.mark.parametrize(
    "content_type", ["application", "application/", "/pdf", "/", "", "application/ pdf", "text /plain", "/x/y"]
)
def test_a_content_type_without_both_halves_or_with_a_space_is_refused(content_type: str) -> None:
    refused(
        lambda: decode_attachments([("a.pdf", content_type, b64(b"x"))], MIB),
        ErrorCode.INVALID_ATTACHMENT,
        f"invalid content type {content_type!r}",
        "attachments",
    )


@pytest.mark.parametrize("data", ["not base64!", "YWJ", "YWJj\n", "YW Jj", "=YWJj", "éé=="])
def test_content_that_is_not_strict_base64_is_refused(data: str) -> None:
    refused(
        lambda: decode_attachments([("a.pdf", "application/pdf", data)], MIB),
        ErrorCode.INVALID_ATTACHMENT,
        "attachment 'a.pdf' is not valid base64",
        "attachments",
    )


@pytest.mark.parametrize("sizes", [[2 * MIB], [MIB, MIB], [2 * MIB - 1, 1], [0, 2 * MIB, 0]])
def test_attachments_of_exactly_the_cap_in_total_are_accepted(sizes: list[int]) -> None:
    items = [(f"f{i}.bin", "application/octet-stream", b64(b"\0" * size)) for i, size in enumerate(sizes)]
    decoded = decode_attachments(items, 2 * MIB)
    assert [len(d.content) for d in decoded] == sizes


@pytest.mark.parametrize(("sizes", "cap"), [([2 * MIB + 1], 2), ([MIB, MIB + 1], 2), ([MIB, MIB, 1], 2), ([1], 0)])
def test_one_byte_over_the_cap_in_total_is_refused(sizes: list[int], cap: int) -> None:
    items = [(f"f{i}.bin", "application/octet-stream", b64(b"\0" * size)) for i, size in enumerate(sizes)]
    refused(
        lambda: decode_attachments(items, cap * MIB),
        ErrorCode.ATTACHMENTS_TOO_LARGE,
        f"attachments exceed {cap} MB in total",
        "attachments",
    )


def test_the_cap_message_rounds_down_to_whole_megabytes() -> None:
    refused(
        lambda: decode_attachments([("a.bin", "application/octet-stream", b64(b"\0" * (3 * MIB)))], 5 * MIB // 2),
        ErrorCode.ATTACHMENTS_TOO_LARGE,
        "attachments exceed 2 MB in total",
        "attachments",
    )


class NoOffset(tzinfo):
    """A tzinfo that does not know its offset: as naive as no tzinfo at all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


@pytest.mark.parametrize(
    "planned",
    [
        None,
        NOW + timedelta(microseconds=1),
        NOW + timedelta(days=365),
        datetime(2026, 11, 24, 13, 1, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_no_planned_time_or_one_in_the_future_is_accepted(planned: datetime | None) -> None:
    check_planned_time(planned, NOW)


@pytest.mark.parametrize("planned", [datetime(2030, 1, 1), datetime(2030, 1, 1, tzinfo=NoOffset())])
@pytest.mark.parametrize("field", ["plannedSendAt", "sendAt"])
def test_a_planned_time_without_an_offset_is_refused(planned: datetime, field: str) -> None:
    refused(
        lambda: check_planned_time(planned, NOW, field),
        ErrorCode.NAIVE_DATETIME,
        "plannedSendAt must include a timezone offset",
        field,
    )


@pytest.mark.parametrize(
    "planned",
    [
        NOW,
        NOW - timedelta(microseconds=1),
        NOW - timedelta(days=1),
        datetime(2026, 11, 24, 13, 0, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_a_planned_time_now_or_in_the_past_is_refused(planned: datetime) -> None:
    refused(
        lambda: check_planned_time(planned, NOW),
        ErrorCode.PLANNED_IN_PAST,
        "plannedSendAt must be in the future",
        "plannedSendAt",
    )


# -- text that cannot be stored or sent, and every kind of line break (issue 12) ---------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a\x00b", "contains a NUL character"),
        ("\x00", "contains a NUL character"),
        ("é\x00", "contains a NUL character"),
        ("a\ud800b", "contains a lone surrogate, which is not valid Unicode"),
        ("\udfff", "contains a lone surrogate, which is not valid Unicode"),
        ("ok", None),
        ("", None),
        ("zoë ✓ 日本", None),
        ("\U0001f600", None),  # a real astral character is not a surrogate
    ],
)
def test_text_that_cannot_be_stored_or_sent_is_named_with_its_reason(value: str, reason: str | None) -> None:
    assert unsafe_text_reason(value) == reason


@pytest.mark.parametrize("value", ["a\x00b", "x\ud800"])
def test_check_text_refuses_in_the_field_given(value: str) -> None:
    why = unsafe_text_reason(value)
    refused(lambda: check_text(value, "bodyText"), ErrorCode.INVALID_INPUT, f"bodyText {why}", "bodyText")


@pytest.mark.parametrize("value", [None, "", "fine", "ünïcode"])
def test_check_text_lets_storable_text_and_none_through(value: str | None) -> None:
    assert check_text(value, "bodyText") is None


def test_every_character_python_breaks_lines_on_is_a_line_break_here() -> None:
    breakers = {chr(c) for c in range(0x3000) if len(f"a{chr(c)}b".splitlines()) > 1}
    assert set(LINE_BREAKS) == breakers


@pytest.mark.parametrize("char", sorted(LINE_BREAKS))
def test_any_line_break_in_a_header_value_is_header_injection(char: str) -> None:
    refused(
        lambda: check_header_value(f"Invoice{char}Bcc: x@evil.test", "subject"),
        ErrorCode.HEADER_INJECTION,
        "subject must not contain line breaks",
        "subject",
    )


def test_a_header_value_that_cannot_be_stored_is_invalid_input_before_it_is_injection() -> None:
    refused(
        lambda: check_header_value("a\x00\nb", "subject"),
        ErrorCode.INVALID_INPUT,
        "subject contains a NUL character",
        "subject",
    )


# -- the encoded message's size against Gmail's limit ---------------------------------------------------


@pytest.mark.parametrize(
    ("n", "size"),
    [
        (0, 0),
        (1, 4 + 2),  # one quartet, one line
        (3, 4 + 2),
        (4, 8 + 2),
        (57, 76 + 2),  # exactly one full 76-character line
        (58, 80 + 4),  # a second line begins
        (570, 760 + 20),
        (4389, 5852 + 2 * 77),  # 77 full lines: where dividing by 77 instead of 76 would first differ
    ],
)
def test_base64_size_counts_quartets_and_a_crlf_per_76_character_line(n: int, size: int) -> None:
    assert base64_size(n) == size
    assert base64_size(n) == len(base64.encodebytes(b"x" * n).replace(b"\n", b"\r\n"))


def test_the_size_estimate_counts_headers_text_html_and_each_attachment() -> None:
    text, html, attachments = 3000, 5000, [1000, 2000]
    estimate = (
        MIME_OVERHEAD_BYTES + base64_size(text) + base64_size(html) + base64_size(1000) + 512 + base64_size(2000) + 512
    )
    check_message_size(text, html, attachments, estimate)  # exactly at the limit: accepted
    refused(
        lambda: check_message_size(text, html, attachments, estimate - 1),
        ErrorCode.MESSAGE_TOO_LARGE,
        f"the encoded message would be about {estimate / 2**20:.1f} MB; Gmail accepts at most "
        f"{(estimate - 1) / 2**20:.1f} MB",
        "bodyText",
    )


def test_a_text_part_derived_from_html_counts_as_large_as_the_html() -> None:
    html_only = MIME_OVERHEAD_BYTES + 2 * base64_size(4000)
    check_message_size(0, 4000, [], html_only)
    with pytest.raises(DomainError, match="Gmail accepts at most"):
        check_message_size(0, 4000, [], html_only - 1)
