"""The wording tables: every phrase matches its fixed example, and the gates never hide a match."""

from __future__ import annotations

import collections
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces import wording
from domain.bounces.wording import (
    EXCEPT,
    FILED,
    PHRASES,
    SHORT,
    WORDINGS,
    Wording,
    alternatives,
    gate,
    gated,
    gates_in,
    literal_runs,
    pieces,
    says,
    says_with,
)
from tests.domain.bounces.wording_examples import EXAMPLES

PAIRS = [(reason, index) for reason, fragments in PHRASES.items() for index in range(len(fragments))]
ALL_EXAMPLES = [example for examples in EXAMPLES.values() for example in examples]


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
        ("a\\.|b", ["a\\.", "b"]),
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
    assert reason in gated(text)
    assert says(reason, text, gated(text)) == says(reason, text)


def _gated_one_by_one(text: str) -> frozenset[str]:
    return frozenset(r for r, w in WORDINGS.items() if w.ungated or any(g in text for g in w.gates))


@pytest.mark.parametrize("text", [*ALL_EXAMPLES, " ".join(ALL_EXAMPLES), "", "ab", "250 ok"])
def test_gated_finds_exactly_the_reasons_a_gate_by_gate_search_finds(text: str) -> None:
    assert gated(text) == _gated_one_by_one(text)
    for reason in PHRASES:
        assert says(reason, text, gated(text)) == says(reason, text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ALL_EXAMPLES), max_size=3), st.text(alphabet="abcdeilnorstu .:-", max_size=80))
def test_gated_agrees_with_a_gate_by_gate_search_on_mixed_text(examples: list[str], noise: str) -> None:
    text = noise.join(examples) + noise
    assert gated(text) == _gated_one_by_one(text)
    _gates_in_agrees_with_gated_and_says(text)


def _gates_in_agrees_with_gated_and_says(text: str) -> None:
    held = gates_in(text)
    assert frozenset(held) == gated(text)
    for reason, gates in held.items():
        assert sorted(gates) == sorted(g for g in WORDINGS[reason].gates if g in text)
    for reason in PHRASES:
        assert says_with(reason, text, held) == says(reason, text)


@pytest.mark.parametrize("text", [*ALL_EXAMPLES, " ".join(ALL_EXAMPLES), "", "ab", "250 ok"])
def test_gates_in_lists_every_gate_the_text_holds_and_says_with_them_what_says_does(text: str) -> None:
    _gates_in_agrees_with_gated_and_says(text)


@pytest.mark.parametrize("tables", ["in use", "filed again"])
def test_every_long_gate_is_filed_under_stride_consecutive_pieces_and_every_short_one_listed(tables: str) -> None:
    filed_tables, short_tables = (FILED, SHORT) if tables == "in use" else wording._filed()
    assert all(isinstance(pairs, tuple) for pairs in filed_tables.values())
    filed = {(reason, g, key) for key, pairs in filed_tables.items() for reason, g in pairs}
    assert sum(len(pairs) for pairs in filed_tables.values()) == len(filed)  # each (gate, piece) once
    long_gates = {(r, g) for r, w in WORDINGS.items() for g in w.gates if len(g) >= wording.KEY + wording.STRIDE - 1}
    assert {(r, g) for r, g, _ in filed} == long_gates
    for reason, g in long_gates:
        keys = {key for r, gate_text, key in filed if (r, gate_text) == (reason, g)}
        runs = [
            {g[start + o : start + o + wording.KEY] for o in range(wording.STRIDE)}
            for start in range(len(g) - wording.KEY - wording.STRIDE + 2)
        ]
        assert keys in runs, (reason, g, keys)
    short = {(r, g) for r, w in WORDINGS.items() for g in w.gates if len(g) < wording.KEY + wording.STRIDE - 1}
    assert set(short_tables) == short and len(short_tables) == len(short)
    assert (wording.KEY, wording.STRIDE) == (4, 4)


@pytest.mark.parametrize(
    ("gate_text", "commonness", "start"),
    [("abcdefgh", {}, 0), ("abcdefgh", {"abcd": 5}, 1), ("abcdefgh", {"abcd": 5, "bcde": 5}, 1),
     ("abcdefgh", {"abcd": 1, "efgh": 3}, 0), ("abcdefgh", {"bcde": 1}, 0), ("abcdefghi", {"abcd": 1}, 1)],
)  # fmt: skip
def test_a_gate_is_filed_under_its_rarest_run_of_pieces(gate_text: str, commonness: dict[str, int], start: int) -> None:
    assert wording._window(gate_text, collections.defaultdict(int, commonness)) == start


def test_filing_under_rare_pieces_leaves_few_gates_to_search_for_a_common_diagnostic() -> None:
    text = "550 5.1.1 the email account that you tried to reach does not exist. please check the message"
    searched = {g for key in FILED.keys() & pieces(text, wording.STRIDE) for _, g in FILED[key]}
    assert len(searched) < 30
    assert gated(text) == _gated_one_by_one(text)


def test_pieces_start_every_stride_characters() -> None:
    assert pieces("abcdef") == {"abcd", "bcde", "cdef"}
    assert pieces("abcdefghij", 4) == {"abcd", "efgh"}
    assert pieces("abcdefgh", 4) == {"abcd", "efgh"}
    assert pieces("abc") == set()


def test_a_reason_outside_the_candidates_is_not_said_even_when_its_pattern_matches() -> None:
    assert says("mailboxfull", "550 mailbox full", frozenset({"mailboxfull"}))
    assert not says("mailboxfull", "550 mailbox full", frozenset())
    assert not says("mailboxfull", "550 user unknown", frozenset({"mailboxfull"}))


def test_a_wording_compiles_its_phrases_with_their_gates() -> None:
    gated = Wording.of(("user ?unknown", "mailbox (?:is )?full|no such user"))
    assert gated.pattern.pattern == "user ?unknown|mailbox (?:is )?full|no such user"
    assert gated.gates == ("mailbox ", "no such user", "unknown")
    assert gated.ungated is False
    assert gated.found_in("550 mailbox full")
    assert not gated.found_in("550 user known")
    assert [(g, p.pattern) for g, p in gated.by_gate] == [
        ("mailbox ", "mailbox (?:is )?full"),
        ("no such user", "no such user"),
        ("unknown", "user ?unknown"),
    ]
    assert gated.loose is None
    ungated = Wording.of(("user ?unknown", "(?:a|b)c", "x?yz|(?:q)r"))
    assert ungated.ungated is True
    assert ungated.gates == ("unknown",)
    assert ungated.loose is not None and ungated.loose.pattern == "(?:a|b)c|x?yz|(?:q)r"
    assert ungated.found_in("xbc") and ungated.found_in("yz") and ungated.found_in("qr")
    assert ungated.found_in("user unknown") and not ungated.found_in("user known")
    shared = Wording.of(("user unknown", "unknown user|(?:the )?user unknown"))
    assert [(g, p.pattern) for g, p in shared.by_gate] == [
        ("unknown user", "unknown user"),
        ("user unknown", "user unknown|(?:the )?user unknown"),
    ]


@pytest.mark.parametrize("text", [*ALL_EXAMPLES, " ".join(ALL_EXAMPLES), "", "250 ok"])
def test_phrases_run_by_gate_find_what_the_whole_pattern_finds(text: str) -> None:
    for phrases in WORDINGS.values():
        assert phrases.found_in(text) == (phrases.pattern.search(text) is not None)


def test_an_excepted_phrase_rules_its_reason_out() -> None:
    assert says("rejected", "550 sender rejected")
    assert not says("rejected", "550 recipient address rejected: sender rejected")
    assert not says("rejected", "550 5.1.0 address rejected")
    assert says("blocked", "recipient address rejected: blocked using zen")


def test_a_diagnostic_without_any_gate_runs_no_pattern_and_says_nothing() -> None:
    assert not any(says(reason, "250 ok queued as 12345") for reason in PHRASES)
    assert not says("userunknown", "")
    assert not says("no-such-reason", "user unknown")


def test_a_reason_with_an_ungated_phrase_is_always_a_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    assert frozenset(r for r, w in WORDINGS.items() if w.ungated) == wording.UNGATED
    monkeypatch.setattr(wording, "UNGATED", frozenset({"vacation"}))
    assert gated("250 ok") == {"vacation"}
