"""The wording tables: every phrase matches its fixed example, and the gates never hide a match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces.wording import EXCEPT, PHRASES, WORDINGS, Wording, alternatives, gate, literal_runs, says
from tests.domain.bounces.wording_examples import EXAMPLES

PAIRS = [(reason, index) for reason, fragments in PHRASES.items() for index in range(len(fragments))]


def test_every_reason_s_phrases_have_exactly_one_example_each() -> None:
    assert EXAMPLES.keys() == PHRASES.keys()
    assert {r: len(f) for r, f in PHRASES.items()} == {r: len(e) for r, e in EXAMPLES.items()}


@pytest.mark.parametrize(("reason", "index"), PAIRS)
def test_each_phrase_matches_its_own_example_and_says_its_reason(reason: str, index: int) -> None:
    fragment, example = PHRASES[reason][index], EXAMPLES[reason][index]
    assert re.search(fragment, example), f"{reason}[{index}] {fragment!r} no longer matches {example!r}"
    excepted = reason in EXCEPT and EXCEPT[reason].search(example) is not None
    assert says(reason, example) is not excepted


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (
            "the email account that you tried to reach does not exist",
            ["the email account that you tried to reach does not exist"],
        ),
        (r"user ?unknown", ["user", "unknown"]),
        (r"disk.{0,80}quota", ["disk", "quota"]),
        (r"(?:blocked|refused) - see http", [" - see http"]),
        (r"<[^<>\s]{1,200}> not found", ["<", "> not found"]),
        (r"#5\.1\.1 bad address", ["#5.1.1 bad address"]),
        (r"mailbox (?:does not exist|invalid)", ["mailbox "]),
        (r"resolver\.adr\.recip(?:ient)? ?notfound", ["resolver.adr.recip", "notfound"]),
        (r"x\dy", ["x", "y"]),
        (r"a\dbc", ["a", "bc"]),
        (r"\.ab\-cd", [".ab-cd"]),
        ("[]a]xyz", ["xyz"]),
        ("[a]bc[d]ef", ["bc", "ef"]),
        ("[abc", []),
        ("ab{1}cd{2}ef", ["a", "c", "ef"]),
        ("ab{1,3}", ["a"]),
        ("ab.cd", ["ab", "cd"]),
        ("^ab$", ["ab"]),
        ("aXb", ["aXb"]),
        ("a(bc)d", ["a", "d"]),
        ("a(b(c)d)e", ["a", "e"]),
        ("(a)b(c)d", ["b", "d"]),
        ("ab+c*d?e", ["a", "e"]),
    ],
)
def test_literal_runs_are_the_texts_every_match_contains(fragment: str, expected: list[str]) -> None:
    assert literal_runs(fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("a|b(c|d)|e", ["a", "b(c|d)", "e"]),
        (r"a\|b", [r"a\|b"]),
        ("[|]x|y", ["[|]x", "y"]),
        ("plain", ["plain"]),
        ("a\\.b|c", ["a\\.b", "c"]),
        ("[]|]a|b", ["[]|]a", "b"]),
        ("[a]|b[c]|d", ["[a]", "b[c]", "d"]),
        ("(a|(b|c))|d", ["(a|(b|c))", "d"]),
        ("[abc", ["[abc"]),
        ("a(b|c", ["a(b|c"]),
    ],
)
def test_alternatives_split_only_at_the_top_level_bar(fragment: str, expected: list[str]) -> None:
    assert alternatives(fragment) == expected


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [("user ?unknown", "unknown"), ("ab.{0,9}cd", ""), (" - spam", " - spam"), ("(?:a|b)", ""), ("abc", "abc"),
     (" ab ", ""), ("abcd", "abcd"), ("ab.cde.f", "cde")],
)  # fmt: skip
def test_a_gate_is_the_longest_run_of_three_characters_or_more(alternative: str, expected: str) -> None:
    assert gate(alternative) == expected


@settings(max_examples=300, deadline=None)
@given(data=st.data(), pair=st.sampled_from(PAIRS))
def test_a_gate_never_hides_a_phrase_that_matches(data: st.DataObject, pair: tuple[str, int]) -> None:
    reason, index = pair
    fragment = PHRASES[reason][index]
    text = data.draw(st.from_regex(fragment, alphabet=st.characters(codec="ascii")))
    assert re.search(fragment, text)
    assert WORDINGS[reason].found_in(text)


def test_a_wording_compiles_its_phrases_with_their_gates() -> None:
    gated = Wording.of(("user ?unknown", "mailbox (?:is )?full|no such user"))
    assert gated.pattern.pattern == "user ?unknown|mailbox (?:is )?full|no such user"
    assert gated.gates == ("mailbox ", "no such user", "unknown")
    assert gated.ungated is False
    assert gated.found_in("550 mailbox full")
    assert not gated.found_in("550 user known")
    ungated = Wording.of(("user ?unknown", "(?:a|b)c"))
    assert ungated.ungated is True
    assert ungated.gates == ("unknown",)
    assert ungated.found_in("xbc")


def test_an_excepted_phrase_rules_its_reason_out() -> None:
    assert says("rejected", "550 sender rejected")
    assert not says("rejected", "550 recipient address rejected: sender rejected")
    assert not says("rejected", "550 5.1.0 address rejected")
    assert says("blocked", "recipient address rejected: blocked using zen")


def test_a_diagnostic_without_any_gate_runs_no_pattern_and_says_nothing() -> None:
    assert not any(says(reason, "250 ok queued as 12345") for reason in PHRASES)
    assert not says("userunknown", "")
    assert not says("no-such-reason", "user unknown")
