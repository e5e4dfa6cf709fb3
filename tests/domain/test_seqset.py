"""The subscription cursor: a set of sequence numbers that survives encoding and merges exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.seqset import MAX_RANGES, SeqSet


@given(st.lists(st.integers(min_value=1, max_value=300), max_size=120))
def test_a_seqset_holds_exactly_what_was_added_and_round_trips(numbers: list[int]) -> None:
    seqs = SeqSet()
    for n in numbers:
        seqs.add(n)
    assert {n for n in range(0, 302) if n in seqs} == set(numbers)
    assert SeqSet.decode(seqs.encode()) == seqs
    flat = [n for low, high in seqs for n in (low, high)]
    assert flat == sorted(flat) and all(b[0] > a[1] + 1 for a, b in zip(seqs.ranges, seqs.ranges[1:], strict=False))


@given(st.lists(st.integers(1, 200), max_size=60), st.lists(st.integers(1, 200), max_size=60))
def test_union_is_set_union(left: list[int], right: list[int]) -> None:
    a, b = SeqSet((n, n) for n in left), SeqSet((n, n) for n in right)
    a.update(b)
    assert {n for n in range(202) if n in a} == set(left) | set(right)


def test_a_cursor_names_its_ranges_compactly() -> None:
    seqs = SeqSet.up_to(10)
    seqs.add(12)
    seqs.add_range(14, 20)
    assert seqs.encode() == "s1.0-10,12,14-20"
    assert seqs.floor == 10
    assert seqs.gaps() == [(11, 11), (13, 13)]


def test_stale_gaps_are_settled_and_fresh_ones_kept() -> None:
    seqs = SeqSet([(0, 5), (7, 9)])
    seqs.fill_stale_gaps(ttl=60, now=1000.0)  # gap 6 first seen now
    assert 6 not in seqs
    seqs.add(11)
    seqs.fill_stale_gaps(ttl=60, now=1030.0)  # 6 is 30 s old, 10 is new
    assert 6 not in seqs and 10 not in seqs
    seqs.fill_stale_gaps(ttl=60, now=1061.0)  # 6 is now stale, 10 only 31 s old
    assert 6 in seqs and 10 not in seqs


def test_a_cursor_never_grows_past_its_cap() -> None:
    seqs = SeqSet((n, n) for n in range(1, 4 * MAX_RANGES, 2))
    seqs.fill_stale_gaps(ttl=3600)
    assert len(seqs.ranges) <= MAX_RANGES
    assert 4 * MAX_RANGES - 1 in seqs


@pytest.mark.parametrize("text", ["", "0-10", "s1.x", "s1.5-3", "s1.1-2-3", "s1." + ",".join(["1"] * (MAX_RANGES + 1))])
def test_foreign_cursors_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        SeqSet.decode(text)


def test_the_empty_cursor_is_valid() -> None:
    assert SeqSet.decode("s1.") == SeqSet()
