"""The subscription cursor: a set of sequence numbers that survives encoding and merges exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.seqset import MAX_RANGES, MAX_SEQ, SeqSet


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


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "not a subscription cursor"),
        ("0-10", "not a subscription cursor"),
        ("s2.1-3", "not a subscription cursor"),
        ("s1.x", "malformed cursor"),
        ("s1.1,,2", "malformed cursor"),
        ("s1.-3", "malformed cursor"),
        ("s1.1-2-3", "malformed cursor"),
        ("s1.5-3", "malformed cursor"),
        ("s1." + "9" * 20, "malformed cursor"),
        ("s1." + ",".join(["1"] * (MAX_RANGES + 1)), "cursor has too many ranges"),
    ],
)
def test_foreign_cursors_are_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"^{why}$"):
        SeqSet.decode(text)


def test_a_cursor_of_exactly_the_cap_of_ranges_is_read() -> None:
    text = "s1." + ",".join(str(n) for n in range(1, 2 * MAX_RANGES, 2))
    assert len(SeqSet.decode(text).ranges) == MAX_RANGES


@pytest.mark.parametrize(
    ("text", "ranges"),
    [("s1.7", [[7, 7]]), ("s1.3-3", [[3, 3]]), ("s1.5-9,1-2", [[1, 2], [5, 9]]), ("s1.1-4,3-8,10", [[1, 8], [10, 10]])],
)
def test_a_cursor_is_read_into_sorted_disjoint_ranges(text: str, ranges: list[list[int]]) -> None:
    assert SeqSet.decode(text).ranges == ranges


@pytest.mark.parametrize(
    ("start", "added", "ranges"),
    [  # hand-picked overlaps: a range reaching into, across, around and just next to the ones held
        ([(5, 10)], (1, 6), [[1, 10]]),
        ([(5, 10)], (8, 14), [[5, 14]]),
        ([(5, 10)], (6, 9), [[5, 10]]),
        ([(5, 10)], (1, 20), [[1, 20]]),
        ([(5, 10)], (1, 4), [[1, 10]]),
        ([(5, 10)], (11, 12), [[5, 12]]),
        ([(5, 10)], (1, 3), [[1, 3], [5, 10]]),
        ([(5, 10)], (12, 13), [[5, 10], [12, 13]]),
        ([(1, 2), (5, 6), (9, 10)], (2, 9), [[1, 10]]),
        ([(1, 2), (5, 6), (9, 10)], (4, 7), [[1, 2], [4, 7], [9, 10]]),
        ([(1, 2), (9, 10)], (4, 3), [[1, 2], [9, 10]]),  # an empty range adds nothing
    ],
)
def test_overlapping_and_adjacent_ranges_merge(
    start: list[tuple[int, int]], added: tuple[int, int], ranges: list[list[int]]
) -> None:
    seqs = SeqSet(start)
    seqs.add_range(*added)
    assert seqs.ranges == ranges


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ([(1, 2)], [(1, 3)]),
        ([(1, 2)], [(0, 2)]),
        ([(1, 2)], []),
        ([(1, 2), (4, 4)], [(1, 2)]),
    ],
)
def test_sets_with_different_ranges_are_unequal(left: list[tuple[int, int]], right: list[tuple[int, int]]) -> None:
    assert SeqSet(left) != SeqSet(right)
    assert SeqSet(right) != SeqSet(left)


def test_a_seqset_equals_only_a_seqset() -> None:
    assert SeqSet([(1, 2)]) == SeqSet([(1, 1), (2, 2)])
    assert SeqSet([(1, 2)]) != [[1, 2]]
    assert SeqSet() != []


@pytest.mark.parametrize(("high", "ranges"), [(-5, []), (-1, []), (0, [[0, 0]]), (1, [[0, 1]]), (10, [[0, 10]])])
def test_up_to_holds_everything_from_zero(high: int, ranges: list[list[int]]) -> None:
    assert SeqSet.up_to(high).ranges == ranges


def test_a_copy_is_equal_and_independent() -> None:
    seqs = SeqSet([(1, 3), (7, 9)])
    clone = seqs.copy()
    assert clone == seqs and clone is not seqs
    clone.add(5)
    clone.add_range(1, 9)
    assert seqs.ranges == [[1, 3], [7, 9]]
    assert SeqSet().copy() == SeqSet()


def test_iteration_floor_top_and_repr() -> None:
    seqs = SeqSet([(2, 4), (8, 8)])
    assert list(seqs) == [(2, 4), (8, 8)]
    assert (seqs.floor, seqs.top) == (0, 8)  # does not start at the bottom
    assert (SeqSet([(1, 4)]).floor, SeqSet([(0, 4), (6, 7)]).floor) == (4, 4)
    assert (SeqSet().floor, SeqSet().top) == (0, 0)
    assert repr(seqs) == "SeqSet('s1.2-4,8')"
    assert [n in seqs for n in range(10)] == [False, False, True, True, True, False, False, False, True, False]


def test_a_gap_is_settled_exactly_when_it_is_ttl_old() -> None:
    seqs = SeqSet([(0, 5), (7, 9)])
    seqs.fill_stale_gaps(ttl=60, now=1000.0)
    seqs.fill_stale_gaps(ttl=60, now=1059.999)
    assert 6 not in seqs
    seqs.fill_stale_gaps(ttl=60, now=1060.0)
    assert seqs.ranges == [[0, 9]]


def test_a_zero_ttl_settles_every_gap_at_once() -> None:
    seqs = SeqSet([(0, 5), (7, 9), (12, 12)])
    seqs.fill_stale_gaps(ttl=0, now=1.0)
    assert seqs.ranges == [[0, 12]]


def test_past_the_cap_the_oldest_holes_are_settled_first_and_no_more() -> None:
    seqs = SeqSet((n, n) for n in range(1, 4 * MAX_RANGES, 2))  # 2 * MAX_RANGES single seqs: 1, 3, 5, ...
    seqs.fill_stale_gaps(ttl=3600, now=0.0)
    assert seqs.ranges == [[1, 2 * MAX_RANGES + 1]] + [[n, n] for n in range(2 * MAX_RANGES + 3, 4 * MAX_RANGES, 2)]
    assert len(seqs.ranges) == MAX_RANGES
    assert seqs.gaps()[0] == (2 * MAX_RANGES + 2, 2 * MAX_RANGES + 2)


def test_one_range_over_the_cap_settles_exactly_the_oldest_hole() -> None:
    seqs = SeqSet((n, n) for n in range(1, 2 * MAX_RANGES + 2, 2))  # MAX_RANGES + 1 single seqs
    seqs.fill_stale_gaps(ttl=3600, now=0.0)
    assert seqs.ranges == [[1, 3]] + [[n, n] for n in range(5, 2 * MAX_RANGES + 2, 2)]


def test_a_set_of_exactly_the_cap_keeps_all_its_holes() -> None:
    seqs = SeqSet((n, n) for n in range(1, 2 * MAX_RANGES, 2))
    seqs.fill_stale_gaps(ttl=3600, now=0.0)
    assert len(seqs.ranges) == MAX_RANGES


def test_the_empty_cursor_is_valid() -> None:
    assert SeqSet.decode("s1.") == SeqSet()


def test_a_cursor_holds_at_most_512_ranges() -> None:
    assert MAX_RANGES == 512
    at_cap = "s1." + ",".join(str(n) for n in range(1, 1024, 2))  # 512 single seqs
    assert len(SeqSet.decode(at_cap).ranges) == 512
    with pytest.raises(ValueError, match=r"^cursor has too many ranges$"):
        SeqSet.decode(at_cap + ",2000")


@pytest.mark.parametrize("top", [MAX_SEQ, MAX_SEQ - 1])
def test_a_cursor_up_to_the_largest_bigint_is_read(top: int) -> None:
    assert SeqSet.decode(f"s1.1-{top}").top == top


@pytest.mark.parametrize("text", [f"s1.1-{MAX_SEQ + 1}", f"s1.{MAX_SEQ + 1}", "s1.9999999999999999999"])
def test_a_cursor_beyond_any_bigint_names_no_event(text: str) -> None:
    with pytest.raises(ValueError, match=r"^cursor names an event beyond any sequence number$"):
        SeqSet.decode(text)
