"""The factored alternation of literal words matches what the plain alternation matches."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.bounces.literals import alternation

WORDS = st.lists(st.text(alphabet="ab .(", max_size=4), max_size=6)
TEXTS = st.text(alphabet="ab .(c", max_size=14)


@pytest.mark.parametrize(
    ("words", "pattern"),
    [
        (["reply to", "rcpt to:", "after"], r"(?:r(?:eply\ to|cpt\ to:)|after)"),
        (["mail", "mailbox"], r"mail(?:box)?"),
        (["a.b"], r"a\.b"),
        ([], ""),
    ],
)
def test_words_are_factored_by_their_common_prefixes(words: list[str], pattern: str) -> None:
    assert alternation(words) == pattern


@given(WORDS, TEXTS)
def test_a_search_finds_a_word_where_the_plain_alternation_does(words: list[str], text: str) -> None:
    plain = re.compile("|".join(re.escape(w) for w in words))
    factored = re.compile(alternation(words))
    found, expected = factored.search(text), plain.search(text)
    assert (found is None) == (expected is None)
    assert found is None or expected is None or found.start() == expected.start()
    assert (factored.fullmatch(text) is None) == (plain.fullmatch(text) is None)
