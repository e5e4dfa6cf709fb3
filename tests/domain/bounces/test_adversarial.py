"""A stranger's message cannot stall the sync: parse time grows in proportion to size, whatever the shape.

Timing is compared, never asserted: the same shape at two sizes (both under the reader's caps, so
every byte is looked at), measured alternately, best of five; a linear parser takes about 8x as
long for 8x the input, a quadratic one about 64x. The bound of 24 leaves a wide margin for a
loaded machine while still failing any quadratic blow-up.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces import parse_bounce
from domain.bounces.parse import MAX_RECIPIENTS
from tests.domain.bounces.adversarial import PLACES, SHAPES, huge_date, many_report_recipients, repeated

SMALL, LARGE = 6_000, 48_000
LINEAR_BOUND = 24.0


def growth(small: bytes, large: bytes) -> float:
    """How many times longer the large input takes than the small one (best of five, alternated)."""
    best_small = best_large = float("inf")
    for _ in range(5):
        started = time.process_time()
        parse_bounce(small)
        best_small = min(best_small, time.process_time() - started)
        started = time.process_time()
        parse_bounce(large)
        best_large = min(best_large, time.process_time() - started)
    return best_large / max(best_small, 1e-6)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_parse_time_stays_proportional_to_size_on_each_adversarial_shape(shape: str) -> None:
    make = SHAPES[shape]
    assert growth(make(SMALL), make(LARGE)) < LINEAR_BOUND


@settings(max_examples=25, deadline=None)
@given(
    unit=st.text(alphabet="ax.@<>\"':;= \n5-?#()[]\\", min_size=1, max_size=6),
    place=st.sampled_from(PLACES),
)
def test_parse_time_stays_proportional_to_size_for_any_repeated_pattern(unit: str, place: str) -> None:
    assert growth(repeated(unit, place, SMALL), repeated(unit, place, LARGE)) < LINEAR_BOUND


def test_a_report_with_thousands_of_recipients_is_read_up_to_the_cap() -> None:
    bounce = parse_bounce(many_report_recipients(1_300_000))
    assert bounce is not None
    assert len(bounce.recipients) == MAX_RECIPIENTS
    assert bounce.recipients[0].email == "user0@example.com"


def test_an_unreadable_date_costs_the_date_and_not_the_bounce() -> None:
    bounce = parse_bounce(huge_date(40))
    assert bounce is not None
    assert bounce.reported_at is None
    assert [r.email for r in bounce.recipients] == ["bob@example.com"]
