"""The one match that rules a line out of every line-start recipient position rules out no line they take."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.bounces.prose import (
    ADDRESS_BRACKET,
    ADDRESS_LEAD,
    ALONE,
    ANGLE_COLON,
    LEADING,
    LINE_START_ADDRESS,
    SENDMAIL_DOTS,
)

POSITIONS = (ANGLE_COLON, ALONE, SENDMAIL_DOTS, ADDRESS_LEAD, ADDRESS_BRACKET, LEADING)
INDENTS = st.sampled_from(["", " ", "  ", "\t", "Your "])
LEADS = st.sampled_from(["", "1. ", "12) ", "* ", "\u2022 ", "- ", "550 ", "550-", "550 5.1.1 ", "x "])
OPENINGS = st.sampled_from(["", "<", '"', "'", "(", "[", "<<"])
ADDRESSES = st.sampled_from(["a@example.com", '"a b"@example.com', "bob", "a.b+c@mx.example.org"])
ENDINGS = st.sampled_from(
    [
        "",
        ">",
        ">:",
        "> : reason",
        ":",
        ": reason",
        " ... user unknown",
        "... 550 no",
        " (user unknown)",
        " -> x",
        " => y",
        " [550 5.1.1 no]",
        " 550 5.1.1 no",
        ">)",
        " <x@y.z>",
        ".",
    ]
)
LINES = st.tuples(INDENTS, LEADS, OPENINGS, ADDRESSES, ENDINGS).map("".join)


@given(LINES)
def test_a_line_any_position_takes_begins_as_line_start_address_says(line: str) -> None:
    if any(pattern.match(line) is not None for pattern in POSITIONS):
        assert LINE_START_ADDRESS.match(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "<a@example.com>: host mx said: 550 no",
        "  a@example.com",
        "* a@example.com",
        "\u2022 a@example.com",
        "2. a@example.com (user unknown)",
        "550 5.1.1 <a@example.com>... User unknown",
        "a@example.com: mailbox full",
        "a@example.com [550 5.1.1 no such user]",
        "a@example.com 550 5.1.1 no",
    ],
)
def test_each_line_start_position_begins_as_line_start_address_says(line: str) -> None:
    assert any(pattern.match(line) is not None for pattern in POSITIONS)
    assert LINE_START_ADDRESS.match(line) is not None


def test_a_line_mentioning_an_address_in_passing_is_ruled_out() -> None:
    assert LINE_START_ADDRESS.match("Your message to a@example.com could not be delivered") is None
