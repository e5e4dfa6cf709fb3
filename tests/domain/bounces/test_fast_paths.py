"""The faster forms of some patterns and paths find what the plain forms find."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from domain.bounces.addresses import ADDRESS, MESSAGE_ID_LOCAL, _quoted, clean, find_addresses, windows
from domain.bounces.codes import ENHANCED

# The enhanced code as written before its match began at the dot.
ENHANCED_FROM_THE_DIGIT = re.compile(r"([245])(?<![\w.][245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
CODE_TEXT = st.text(alphabet="2455.1.0a x-_", max_size=30)
ADDRESS_TEXT = st.lists(
    st.sampled_from(["a", "b.c", "@", "x@example.com", '"q r"@example.org', " ", "\n", "<", ">", "-", "é", "1"]),
    max_size=30,
).map("".join)
LOCAL_PARTS = st.lists(
    st.sampled_from(["0123456789ab", "0123456789", "abcdef01", "ABCD", "x", ".", "-", "$", "123456789012", "9"]),
    min_size=1,
    max_size=4,
).map("".join)


@given(CODE_TEXT)
def test_an_enhanced_code_is_found_where_the_digit_first_pattern_finds_it(text: str) -> None:
    found = [m.groups() for m in ENHANCED.finditer(text)]
    assert found == [m.groups() for m in ENHANCED_FROM_THE_DIGIT.finditer(text)]


@given(ADDRESS_TEXT)
def test_a_short_text_yields_the_addresses_its_windows_hold(text: str) -> None:
    windowed = [m.group(0) for start, end in windows(text) for m in ADDRESS.finditer(text, start, end)]
    assert find_addresses(text) == windowed + (_quoted(text) if '"@' in text else [])


@given(LOCAL_PARTS)
def test_a_local_part_is_a_message_id_exactly_when_its_pattern_says(local: str) -> None:
    stripped = local.lstrip("'`\".").strip()
    expected = not stripped or MESSAGE_ID_LOCAL.search(stripped) is not None
    assert (clean(f"{local}@example.com") is None) == expected
