"""The human-readable text of a notification: which parts it is read from, HTML flattened, the original cut off."""

from __future__ import annotations

import re
from re import _parser  # the standard library's own pattern parser: what a pattern can begin with
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces.mime import Part, read_message
from domain.bounces.original import INLINE_COPY
from domain.bounces.report import QUOTING
from domain.bounces.text import (
    MAX_BODY,
    ORIGINAL_MARKERS,
    QUOTED,
    LineStarts,
    _without_hidden,
    all_text,
    body_text,
    body_views,
    html_to_text,
)


def _multipart(*parts: str, subtype: str = "mixed") -> Part:
    body = "".join(f"--b\n{part}\n" for part in parts) + "--b--\n"
    return read_message(f'Content-Type: multipart/{subtype}; boundary="b"\n\n{body}'.encode())


PLAIN = "Content-Type: text/plain\n\nPlain words."
HTML = "Content-Type: text/html\n\n<p>Html&amp;words</p>"
STATUS = "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@x.example"
ATTACHED = "Content-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nAttached words."
ORIGINAL = "Content-Type: message/rfc822\n\nSubject: orig\n\nOriginal words."
IMAGE = "Content-Type: image/png\n\nxx"


@pytest.mark.parametrize(
    ("parts", "subtype", "body", "everything"),
    [
        ((PLAIN, HTML), "alternative", "Plain words.", "Plain words.\n Html&words\n"),
        ((HTML, PLAIN), "mixed", " Html&words\n\nPlain words.", " Html&words\n\nPlain words."),
        ((PLAIN, STATUS, PLAIN), "mixed", "Plain words.",
         "Plain words.\nFinal-Recipient: rfc822; a@x.example\nPlain words."),
        ((PLAIN, ORIGINAL, PLAIN), "mixed", "Plain words.", "Plain words.\nPlain words."),
        ((PLAIN, ATTACHED), "mixed", "Plain words.", "Plain words.\nAttached words."),
        ((ATTACHED, PLAIN), "mixed", "Attached words.\nPlain words.", "Attached words.\nPlain words."),
        ((IMAGE, PLAIN), "mixed", "Plain words.", "Plain words."),
        ((PLAIN, HTML, "Content-Type: text/plain\n\nMore words."), "mixed", "Plain words.\nMore words.",
         "Plain words.\n Html&words\n\nMore words."),
    ],
)  # fmt: skip
def test_the_notification_s_own_words_stop_at_the_report_the_original_or_a_later_attachment(
    parts: tuple[str, ...], subtype: str, body: str, everything: str
) -> None:
    root = _multipart(*parts, subtype=subtype)
    assert body_text(root) == body
    assert all_text(root) == everything


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # more than four quoted lines: a forwarded notification, unquoted (an SMTP `>>> ` line stays)
        ("Forwarded:\n> one\n> two\n>> three\n> four\n> five\n>>> DATA\n",
         "Forwarded:\none\ntwo\nthree\nfour\nfive\n>>> DATA\n"),
        ("> one\n> two\n> three\n> four\n", "> one\n> two\n> three\n> four\n"),
        ("x\n> a\n> b\n> c\n> d\n", "x\n> a\n> b\n> c\n> d\n"),  # four quoted lines: kept as written
        ("x\n> a\n> b\n> c\n> d\n> e\n", "x\na\nb\nc\nd\ne\n"),  # five: unquoted
        ("x" * 39 + "\n--- Below this line is a copy of the message.\n",
         "x" * 39 + "\n--- Below this line is a copy of the message.\n"),  # the marker at character 40
        ("x" * 40 + "\n--- Below this line is a copy of the message.\n", "x" * 40 + "\n"),  # ... at 41
        # the returned original is cut off at its marker line ...
        ("Sorry, we could not deliver your message to anyone.\n--- Below this line is a copy of the message.\n"
         "Subject: hi\n", "Sorry, we could not deliver your message to anyone.\n"),
        # ... unless the marker comes within the first 40 characters
        ("Short notice.\n--- Below this line is a copy of the message.\nSubject: hi\n",
         "Short notice.\n--- Below this line is a copy of the message.\nSubject: hi\n"),
    ],
)  # fmt: skip
def test_forwarded_quoting_is_removed_and_the_original_cut_off(text: str, expected: str) -> None:
    assert body_text(read_message(b"Subject: x\n\n" + text.encode())) == expected


def test_the_body_is_cut_at_max_body_and_no_later_part_is_read() -> None:
    long_part = "Content-Type: text/plain\n\n" + "a" * (MAX_BODY + 10)
    root = _multipart(long_part, "Content-Type: text/plain\n\nLater words.")
    assert body_text(root) == "a" * MAX_BODY
    assert "Later words." not in body_text(root)


def test_html_keeps_its_line_breaks_and_decodes_entities() -> None:
    html = (
        "<p>Delivery to <b>a@x.example</b> failed</p><ul><li>one</li><li>two<br>three<BR/>four<br /></li></ul>"
        "<h2>Why</h2><div>&nbsp;&#160;&quot;x&quot; &#39;y&#39; &lt;&gt; &amp;</div>"
    )
    assert html_to_text(html) == (
        " Delivery to  a@x.example  failed\n  one\n two\nthree\nfour\n\n  Why\n   \"x\" 'y' <> &\n"
    )


def test_head_style_and_script_are_dropped_and_an_unclosed_one_drops_the_rest() -> None:
    kept = _without_hidden("a<head><title>t</title></head>b<style>p{}</style>c<SCRIPT>x()</script>d<style>q</style>e")
    assert kept == "a b c d e"
    assert _without_hidden("a<style>x</style >b</STYLE>c") == "a b</STYLE>c"
    assert _without_hidden("a<style>x</style") == "a"
    assert _without_hidden("a<script>never closed") == "a"
    assert _without_hidden("no hidden parts") == "no hidden parts"


def test_plain_text_keeps_its_angle_brackets_and_all_text_stops_past_four_max_bodies() -> None:
    plain = _multipart("Content-Type: text/plain\n\nRejected <a@x.example> &amp; more.")
    assert body_text(plain) == "Rejected <a@x.example> &amp; more."
    big = "Content-Type: text/plain\n\n" + "a" * (MAX_BODY - 10)
    text = all_text(_multipart(*[big] * 6))
    assert text == "\n".join(["a" * (MAX_BODY - 10)] * 5)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "original message follows",
                "---- original message",
                "return-path: <a@b>",
                "x",
                " ",
                "\n",
                "-",
                "old message:",
            ]
        ),
        max_size=12,
    )
)
def test_a_line_start_search_finds_what_the_caret_pattern_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    for markers in (ORIGINAL_MARKERS, INLINE_COPY):
        expected = markers.pattern.search(text)
        assert markers.search(text) == (expected.span() if expected else None)


def _first_chars(items: Any) -> tuple[set[str], bool]:
    """The characters a match of a parsed (sub)pattern can begin with, and whether it can match empty."""
    found: set[str] = set()
    for op, arg in items:
        chars, empty = _first_of(op, arg)
        found |= chars
        if not empty:
            return found, False
    return found, True


def _first_of(op: Any, arg: Any) -> tuple[set[str], bool]:
    name = str(op)
    if name == "LITERAL":
        return {chr(arg)}, False
    if name == "IN":
        chars: set[str] = set()
        for kind, value in arg:
            assert str(kind) in ("LITERAL", "RANGE"), f"a class this check cannot enumerate: {kind}"
            low, high = (value, value) if str(kind) == "LITERAL" else value
            chars |= {chr(c) for c in range(low, high + 1)}
        return chars, False
    if name == "SUBPATTERN":
        return _first_chars(arg[3])
    if name == "BRANCH":
        results = [_first_chars(alternative) for alternative in arg[1]]
        return set().union(*(r[0] for r in results)), any(r[1] for r in results)
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        chars, empty = _first_chars(arg[2])
        return chars, empty or arg[0] == 0
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return set(), True  # zero-width: the first character comes after it
    raise AssertionError(f"an element this check cannot read: {name}")


@pytest.mark.parametrize("markers", [ORIGINAL_MARKERS, INLINE_COPY], ids=["original_markers", "inline_copy"])
def test_the_first_characters_a_line_start_pattern_is_given_are_every_one_its_matches_can_begin_with(
    markers: LineStarts,
) -> None:
    chars, empty = _first_chars(_parser.parse(markers.body))
    assert not empty
    assert chars <= set(markers.first), sorted(chars - set(markers.first))


def test_a_line_beginning_with_a_character_not_given_as_first_is_passed_over() -> None:
    markers = LineStarts("ab|xb", first="a")  # wrongly declared: "xb" can match too
    assert markers.pattern.search("q\nxb") is not None
    assert markers.search("q\nxb") is None
    assert markers.search("q\nab") == (2, 4)
    assert re.compile(markers.body).match("xb") is not None


QUOTE_ATOMS = [">", "> ", ">>", ">>> ", ">>>", " ", "\t", "\n", "\n\n", "a", "DATA", "\r"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(QUOTE_ATOMS), max_size=16))
def test_quoting_removed_line_by_line_is_what_removing_every_match_of_the_pattern_gives(atoms: list[str]) -> None:
    text = "".join(atoms)
    for quoting in (QUOTED, QUOTING):
        assert quoting.remove(text) == quoting.pattern.sub("", text)


BODY_ATOMS = ["Words ", "\u03a3", "\u03a3 ", "\u0130", "\u00fc", "\n", "> ", "-- Original message --\n", "x" * 41, "A"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BODY_ATOMS), max_size=16))
def test_the_lower_cased_body_given_with_the_body_is_the_body_lower_cased(atoms: list[str]) -> None:
    raw = "Content-Type: text/plain; charset=utf-8\n\n" + "".join(atoms)
    body, lowered = body_views(read_message(raw.encode()))
    assert body == body_text(read_message(raw.encode()))
    assert lowered == body.lower()
