"""The bounded MIME reader and the address finder."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces import addresses
from domain.bounces.addresses import (
    ADDRESS,
    MAX_DOMAIN,
    MAX_LOCAL,
    clean,
    domain_of,
    find_addresses,
    first_address,
    local_part,
    windows,
)
from domain.bounces.mime import (
    MAX_DEPTH,
    MAX_HEADER_VALUE,
    MAX_PARTS,
    MAX_TEXT,
    Budget,
    read_message,
    read_part,
    unfold,
)


def test_headers_are_unfolded_named_in_lower_case_and_repeated_fields_kept() -> None:
    part = read_message(b"Subject: a\n  long one\nReceived: one\nReceived: two\n\tfolded\nX-Empty:\n\nbody\n")
    assert part.get("subject") == "a long one"
    assert part.get_all("received") == ["one", "two folded"]
    assert part.fields["received"] == [" one", " two\n\tfolded"]
    assert part.get("x-empty") == ""
    assert part.get("missing") == ""
    assert part.body == "body\n"


def test_a_field_value_is_unfolded_and_cut_at_its_limit() -> None:
    assert unfold(" a\n  b\r\n\tc ") == "a b c"
    assert unfold("  plain  ") == "plain"
    assert unfold("x" * (MAX_HEADER_VALUE + 10)) == "x" * MAX_HEADER_VALUE
    assert unfold("x\n" + "y" * MAX_HEADER_VALUE) == "x " + "y" * (MAX_HEADER_VALUE - 2)


def test_a_header_block_without_its_blank_line_ends_at_the_first_line_that_is_not_a_field() -> None:
    part = read_message(b"From: a@b.example\nSubject: x\nThis is the body.\nMore.\n")
    assert part.get("subject") == "x"
    assert part.body.startswith("This is the body.")


def test_an_mbox_from_line_and_crlf_line_ends_are_accepted() -> None:
    part = read_message(b"From MAILER-DAEMON Tue Jan  2 10:00:00 2024\r\nSubject: x\r\n\r\nbody\r\n")
    assert part.get("subject") == "x"
    assert part.body == "body\n"


def test_encoded_words_are_decoded_on_request_and_broken_ones_kept() -> None:
    part = read_message(b"Subject: =?utf-8?q?Unzustellbar=3A_caf=C3=A9?=\nX-Bad: =?x?q?=?x?\n\n")
    assert part.decoded("subject") == "Unzustellbar: caf\u00e9"
    assert part.decoded("x-bad").startswith("=?x?q?")


def test_content_type_defaults_to_text_plain_and_params_are_read() -> None:
    part = read_message(b'Content-Type: Multipart/Report; report-type="delivery-status"; boundary=abc\n\n')
    assert part.content_type == "multipart/report"
    assert part.params == {"report-type": "delivery-status", "boundary": "abc"}
    assert read_message(b"Content-Type: garbage\n\nx").content_type == "text/plain"
    assert read_message(b"\nno headers").content_type == "text/plain"


MULTIPART = b"""Content-Type: multipart/mixed; boundary="b"

preamble
--b
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

caf=E9
--bogus
--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

Y2Fmw6k=
--b
Content-Type: text/plain; charset=iso-2022-jp

\x1b$B%F%9%H\x1b(B
--b
Content-Type: message/rfc822

Message-ID: <inner@example.com>
Subject: inner

inner body
--b--
epilogue
"""


def test_multipart_parts_are_split_at_their_exact_boundary_and_decoded() -> None:
    root = read_message(MULTIPART)
    kinds = [p.content_type for p in root.children]
    assert kinds == ["text/plain", "text/plain", "text/plain", "message/rfc822"]
    assert root.children[0].text.startswith("caf\u00e9\n--bogus")
    assert root.children[1].text == "caf\u00e9"
    assert root.children[2].text.strip() == "\u30c6\u30b9\u30c8"
    inner = root.children[3].attached
    assert inner is not None
    assert inner.field("message-id") == "<inner@example.com>"
    assert inner.field("x-missing") == ""
    assert [p.content_type for p in root.walk()] == ["multipart/mixed", *kinds]


def test_a_multipart_whose_boundary_never_comes_is_read_as_text() -> None:
    root = read_message(b'Content-Type: multipart/mixed; boundary="zz"\n\nJust text.\n')
    assert root.children == []
    assert root.is_textual


def test_nesting_and_part_counts_are_bounded() -> None:
    deep = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(MAX_DEPTH + 5))
    root = read_message(deep.encode())
    assert max(p.depth for p in root.walk()) <= MAX_DEPTH
    many = "".join("--x\n\nhi\n" for _ in range(MAX_PARTS * 3))
    wide = read_message(f'Content-Type: multipart/mixed; boundary="x"\n\n{many}--x--\n'.encode())
    assert len(wide.children) == MAX_PARTS


def test_text_is_decoded_up_to_its_cap() -> None:
    part = read_message(b"Content-Type: text/plain\n\n" + b"a" * (MAX_TEXT * 2))
    assert len(part.text) == MAX_TEXT
    assert read_message(b"Content-Transfer-Encoding: base64\n\n!!!not base64").text == ""
    assert read_message(b"Content-Type: text/plain; charset=no-such\n\ncaf\xc3\xa9").text == "caf\u00e9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to <Bob@Example.COM>.", ["Bob@Example.COM"]),
        ('"frank lee"@example.org said', ['"frank lee"@example.org']),
        ("jos\u00e9@b\u00fccher.example", ["jos\u00e9@b\u00fccher.example"]),
        ("a@b a@b.c", ["a@b.c"]),
        ("x" * 100 + "@example.com", []),
        ("user@host.123", []),
        ("no address", []),
    ],
)
def test_find_addresses(text: str, expected: list[str]) -> None:
    assert find_addresses(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<Bob@Example.COM>", "bob@example.com"),
        ("rfc822; kim@example.net", "kim@example.net"),
        ("smtp=kim@example.net", "kim@example.net"),
        ("SMTP:kim@example.net", "kim@example.net"),
        ("'kim@example.net'.", "kim@example.net"),
        ("IMCEASMTP-kim+40example+2Enet@exchange.example", "kim@example.net"),
        ('"a b"@example.com', '"a b"@example.com'),
        ("0123456789abcdef0123@mx.example.com", None),
        ("20240102.abcdef@mx.example.com", None),
        ("no-at-sign", None),
        ("@example.com", None),
        ("Rfc822;kim@example.net", "kim@example.net"),
        ("MAILTO:kim@example.net", "kim@example.net"),
        ("sip:kim@example.net", "kim@example.net"),
        ("To: kim@example.net", "kim@example.net"),
        ("X400=kim@example.net", "kim@example.net"),
        ("tokim@example.net", "tokim@example.net"),
        ("smtpkim@example.net", "smtpkim@example.net"),
        ("ABCDEF0123ABCDEF0123@mx.example.com", None),
        ("Deadbeef-1234-abcd@mx.example.com", None),
        ("123456789012.x@mx.example.com", None),
        ("pay$day@example.com", None),
        ("abc@example.com", "abc@example.com"),
        ("beef.cafe@example.com", "beef.cafe@example.com"),
    ],
)
def test_clean(value: str, expected: str | None) -> None:
    assert clean(value) == expected


def test_first_address_prefers_what_comes_first_and_parts_split_at_the_last_at() -> None:
    assert first_address('"a b"@x.example then c@d.example') == '"a b"@x.example'
    assert first_address('c@d.example then "a b"@x.example') == "c@d.example"
    assert first_address("nothing") is None
    assert local_part('"a@b"@c.example') == '"a@b"'
    assert domain_of("a@c.example") == "c.example"


def _every_match(text: str) -> list[str]:
    return [match.group(0) for match in ADDRESS.finditer(text)]


PIECES = ["a", "b.c", "@", "x@y.example", " ", "\n", "-", "..", "é", "1", "<", "a" * 70, "d" * 63 + ".", '"q r"@s.t']


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.integers(min_value=0, max_value=900))
def test_reading_only_around_each_at_finds_what_reading_everything_finds(pieces: list[str], gap: int) -> None:
    text = "".join(pieces) + " " * gap + "".join(reversed(pieces))
    assert [a for a in find_addresses(text) if not a.startswith('"')] == _every_match(text)


def test_stretches_around_each_at_reach_past_the_longest_address_and_merge_when_close() -> None:
    longest = "l" * 64 + "@" + ("d" * 63 + ".") * 10 + "t" * 63
    assert _every_match(longest) == [longest]
    assert find_addresses("x " * 500 + longest + " tail") == [longest]
    for after in ("-", "x", "_", ".", "-x", "é"):
        text = " " * 900 + longest + after + " " * 900 + "z@z.example"
        assert find_addresses(text) == _every_match(text)
    text = " " * 1000 + "a@b.example" + " " * 2000 + "c@d.example" + " " * 1000
    assert windows(text) == [(1000 - MAX_LOCAL, 1001 + MAX_DOMAIN + 3), (3011 - MAX_LOCAL, 3012 + MAX_DOMAIN + 3)]
    close = " " * 1000 + "a@b.example" + " " * 600 + "c@d.example"
    assert windows(close) == [(1000 - MAX_LOCAL, len(close))]
    assert windows("no address here") == []
    assert find_addresses("x" * 100_000) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [('"a b"@c.example and "d e"@f.example', ['"a b"@c.example', '"d e"@f.example']),
     ('"@x.example then "a b"@c.example', ['"a b"@c.example']),
     ('"x" "a b"@c.example', ['"a b"@c.example']),
     ('"' + "a" * 65 + '"@c.example', ['"' + "a" * 65 + '"@c.example']),
     ('"' + "a" * 66 + '"@c.example', []),
     ('"a\nb"@c.example', []),
     ('"a b"@', []),
     ('"a"@"@b.example', ['"@"@b.example'])],
)  # fmt: skip
def test_quoted_local_parts_are_read_back_from_each_quote_at(text: str, expected: list[str]) -> None:
    assert addresses._quoted(text) == expected


def test_quoted_local_parts_stop_at_the_limit() -> None:
    text = '"a b"@c.example "d e"@f.example "g h"@i.example'
    assert addresses._quoted(text, 2) == ['"a b"@c.example', '"d e"@f.example']
    assert addresses._quoted(text, 1) == ['"a b"@c.example']


def test_one_field_is_found_by_name_in_any_case_unfolded() -> None:
    part = read_message(b"Received: x\nMESSAGE-ID: <a@b>\nX-Mailtrail-Id:\n  abc\n  def\nSubject: s\n\nbody\n")
    assert part.field("message-id") == "<a@b>"
    assert part.field("x-mailtrail-id") == "abc def"
    assert part.field("missing") == ""
    assert part.field("message-id") == "<a@b>"  # asked again: the same answer


def test_base64_text_is_decoded_across_lines_and_a_trailing_partial_group_dropped() -> None:
    body = b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8g\nd29ybGQ=\n"
    assert read_message(body).text == "hello world"
    assert read_message(body.replace(b"d29ybGQ=\n", b"d29y\nbGQ")).text == "hello wor"


def test_an_undecodable_byte_is_replaced_in_its_own_charset_and_an_unknown_charset_read_as_utf_8() -> None:
    head = b"Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: 8bit\n\n"
    assert read_message(head % b"iso-2022-jp" + b"\x1b$B\xff\xff\x1b(B ok").text == "\ufffd\ufffd ok"
    assert read_message(head % b"x-no-such-charset" + "caf\u00e9".encode()).text == "caf\u00e9"
    assert read_message(head % b"x-no-such-charset" + b"caf\xff").text == "caf\ufffd"
    assert read_message(head % b"UTF-8" + b"caf\xc3\xa9 \xff").text == "caf\u00e9 \ufffd"


def test_one_field_is_read_by_any_case_of_its_name_with_its_folded_lines_joined() -> None:
    part = read_message(b"Received: x\nx-Fresh-Name: one\n  two\nOther: y\nother: z\n\nbody\n")
    assert part.field("X-FRESH-NAME") == "one two"
    assert part.field("other") == "y"  # the first of two
    assert part.field("X-FRESH-NAME") == "one two"  # asked again, the same answer
    assert part.field("received") == "x"
    assert part.field("missing") == ""


def test_a_field_is_read_from_the_first_line_naming_it_exactly_past_longer_names_that_start_alike() -> None:
    part = read_message(b"Message-ID-Extra: <no>\nX: y\nmessage-id\t: <yes>\nMessage-ID: <later>\n\nbody\n")
    assert part.field("message-id") == "<yes>"


def test_a_field_after_text_that_lower_cases_to_more_characters_is_read_in_its_own_place() -> None:
    part = read_part("Subject: \u0130\u0130\u0130\u0130\nMessage-ID: <a@b.example>\n\nbody", 1, Budget(parts=0))
    assert part.field("message-id") == "<a@b.example>"
    assert part.field("subject") == "\u0130\u0130\u0130\u0130"


def test_a_raw_header_is_read_as_utf_8_when_its_bytes_are_and_byte_for_byte_otherwise() -> None:
    part = read_message("Subject: caf\u00e9 \u2713\n".encode() + b"X-Latin: caf\xe9\n\nbody\n")
    assert part.decoded("subject") == "caf\u00e9 \u2713"
    assert part.decoded("x-latin") == "caf\u00e9"
    assert part.decoded("missing") == ""


def test_every_value_of_a_missing_field_is_an_empty_list() -> None:
    part = read_message(b"Subject: x\n\nbody\n")
    assert part.get_all("received") == []
    assert part.get_all("subject") == ["x"]


@pytest.mark.parametrize(
    ("body", "bodies"),
    [
        ("--b\n\nfirst\n--b--\n", ["first"]),  # no preamble: the body opens with a delimiter
        ("pre\n--b \n\nfirst\n--b\t\n\nsecond\n--b--\n", ["first", "second"]),  # transport padding
        ("pre\n--b\n\nfirst\n--b", ["first", ""]),  # a last delimiter with no line end after it
        ("pre\n--b\n\nfirst\n--bx\nstill first\n--b--\nepilogue\n", ["first\n--bx\nstill first"]),
        ("pre\n--b\n\nfirst\n--b--\nepilogue\n--b\n\nafter the end\n", ["first"]),
    ],
)  # fmt: skip
def test_parts_end_exactly_at_the_next_delimiter_line(body: str, bodies: list[str]) -> None:
    root = read_message(b'Content-Type: multipart/mixed; boundary="b"\n\n' + body.encode())
    assert [child.body for child in root.children] == bodies


def test_the_part_before_the_closing_delimiter_ends_there() -> None:
    inner = read_message(MULTIPART).children[3].attached
    assert inner is not None
    assert inner.body == "inner body"


def test_the_last_part_the_budget_allows_ends_at_its_own_delimiter() -> None:
    many = "".join("--x\n\nhi\n" for _ in range(MAX_PARTS + 1))
    wide = read_message(f'Content-Type: multipart/mixed; boundary="x"\n\n{many}--x--\n'.encode())
    assert [child.body for child in wide.children] == ["hi"] * MAX_PARTS


@pytest.mark.parametrize(
    ("raw", "head", "body"),
    [
        (b"\nno headers\n", "", "no headers\n"),  # a blank first line: no header block at all
        (b"Subject: x\nX-Last: y", "Subject: x\nX-Last: y", ""),  # only headers, no blank line
        (b"From: a@b.example\nThis is the body.\nMore.\n", "From: a@b.example\n", "This is the body.\nMore.\n"),
        (b"From: a@b.example\nNot a field.\n\nMore.\n", "From: a@b.example\n", "Not a field.\n\nMore.\n"),
    ],
)  # fmt: skip
def test_a_header_block_ends_at_its_blank_line_or_at_the_first_line_that_is_not_a_field(
    raw: bytes, head: str, body: str
) -> None:
    part = read_message(raw)
    assert (part.head, part.body, part.depth) == (head, body, 0)


def test_a_field_on_one_line_keeps_its_inner_spacing() -> None:
    assert unfold(" a \t b ") == "a \t b"
    assert read_message(b"X-Spaced:  a  b \n\n").get("x-spaced") == "a  b"


def test_parts_nest_down_to_the_depth_limit_and_no_further() -> None:
    deep = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(MAX_DEPTH + 5))
    root = read_message(deep.encode())
    assert root.depth == 0
    assert [p.depth for p in root.walk()] == list(range(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bob@EXAMPLE.BOX", "bob@example.box"),  # a trailing capital X is part of the address
        ("Xavier@example.com", "xavier@example.com"),  # ... and so is a leading one
        ('"a@b"@c.example', '"a@b"@c.example'),  # the domain is after the last @
        ("kim@", None),
        ("kim@example.net@", None),  # nothing after the last @
        (".kim@example.net", "kim@example.net"),
    ],
)
def test_clean_strips_only_wrapping_characters(value: str, expected: str | None) -> None:
    assert clean(value) == expected


def test_the_first_address_is_decided_by_where_each_first_appears() -> None:
    text = '"a b"@x.example, c@d.example, "a b"@x.example'
    assert first_address(text) == '"a b"@x.example'
    assert domain_of('"a@b"@c.example') == "c.example"


def test_an_at_within_reach_but_past_the_first_stretch_still_merges_into_one_stretch() -> None:
    text = " " * 1000 + "a@b.example" + " " * 729 + "c@d.example" + " " * 1000
    second = text.index("@", 1002)
    assert MAX_DOMAIN + 3 < second - 1001 < addresses.REACH
    assert windows(text) == [(1001 - MAX_LOCAL - 1, second + MAX_DOMAIN + 3)]


def test_at_most_max_found_addresses_are_taken_from_one_stretch_or_from_several() -> None:
    crowded = " ".join(f"u{i}@x.example" for i in range(addresses.MAX_FOUND + 10))
    assert len(find_addresses(crowded)) == addresses.MAX_FOUND
    then_far = " ".join(f"u{i}@x.example" for i in range(addresses.MAX_FOUND)) + " " * 2000 + "far@y.example"
    found = find_addresses(then_far)
    assert len(found) == addresses.MAX_FOUND
    assert "far@y.example" not in found


def test_an_at_right_after_an_at_extends_the_stretch_by_one() -> None:
    text = " " * 100 + "a@@b.example" + " " * 1000
    assert windows(text) == [(101 - MAX_LOCAL - 1, 102 + MAX_DOMAIN + 3)]


def test_each_far_apart_at_gets_its_own_stretch_in_order() -> None:
    gap = " " * 2000
    text = gap + "a@b.example" + gap + "c@d.example" + gap + "e@f.example" + gap
    assert [text[start:end].strip() for start, end in windows(text)] == ["a@b.example", "c@d.example", "e@f.example"]
    assert find_addresses(text) == ["a@b.example", "c@d.example", "e@f.example"]


def _field_by_search(head: str, name: str) -> str:
    """What a case-insensitive search of the head for the field's first line finds."""
    pattern = re.compile(rf"^{re.escape(name)}[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE | re.IGNORECASE)
    match = pattern.search(head)
    return " ".join(match.group(1)[:MAX_HEADER_VALUE].split()) if match else ""


HEADER_ATOMS = ["Message-ID", "message-id", "X-Mailtrail-Id", "me\u017f\u017fage-id", "\u0130", ":", " ", "\t", "\n",
                "\n ", "<a@b>", "From", "x" * 90, "\u00e9", ";", "\r", "\n\n", "  :", "-id"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HEADER_ATOMS), max_size=14))
def test_a_field_read_from_the_parsed_fields_is_what_a_search_of_the_head_finds(atoms: list[str]) -> None:
    part = read_part("".join(atoms), 1, Budget(parts=0))
    for name in ("message-id", "x-mailtrail-id"):
        assert part.field(name) == _field_by_search(part.head, name)


# The run of header fields as a single pattern: every field line with its continuation lines, repeated.
FIELD_RUN = re.compile(r"(?:[!-9;-~]{1,80}[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*(?:\n|$))*")
BLOCK_ATOMS = ["A", "b-c", ":", " ", "\t", "\n", "\n ", "\n\t", "x" * 79, "y" * 81, "\u00e9", "\r", ";", ">", ": v"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(BLOCK_ATOMS), max_size=16))
def test_a_header_block_is_the_longest_run_of_field_lines_and_their_continuations(atoms: list[str]) -> None:
    text = "".join(atoms).replace("\n\n", "\n") + "\n\nbody"
    part = read_part(text, 1, Budget(parts=0))
    run = FIELD_RUN.match(text[: text.find("\n\n")]).end()  # type: ignore[union-attr]
    assert part.head == text[:run]


def test_walk_hands_out_each_part_before_its_children_in_order() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="o"\n\n--o\nContent-Type: text/plain\n\none\n'
        b'--o\nContent-Type: multipart/alternative; boundary="i"\n\n--i\nContent-Type: text/plain\n\ntwo\n'
        b"--i\nContent-Type: text/html\n\nthree\n--i--\n--o\nContent-Type: text/plain\n\nfour\n--o--\n"
    )
    kinds = [(part.depth, part.content_type, part.body.strip()[:5]) for part in read_message(raw).walk()]
    assert kinds[1:] == [
        (1, "text/plain", "one"),
        (1, "multipart/alternative", "--i\nC"),
        (2, "text/plain", "two"),
        (2, "text/html", "three"),
        (1, "text/plain", "four"),
    ]
