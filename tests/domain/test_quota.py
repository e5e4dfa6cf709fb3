"""The per-account Gmail budget: daily cap and per-minute quota units, as pure arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.quota import (
    DAY,
    MINUTE,
    SEND_UNITS,
    Wait,
    backoff_seconds,
    next_slot,
    next_slot_from_marks,
    sends_per_minute,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def times(count: int, start: datetime, step: timedelta) -> list[datetime]:
    return [start + step * i for i in range(count)]


def test_an_account_under_both_limits_may_send_now() -> None:
    assert next_slot(NOW, times(10, NOW - timedelta(hours=5), timedelta(minutes=1)), [], 500, 15000) is None


def test_the_daily_cap_waits_until_the_oldest_send_of_the_window_is_a_day_old() -> None:
    sent = times(500, NOW - timedelta(hours=23), timedelta(seconds=30))
    wait = next_slot(NOW, sent, [], 500, 15000)
    assert wait is not None
    assert wait.until == sent[0] + timedelta(hours=24)
    assert "daily send cap of 500" in wait.reason


def test_a_workspace_cap_of_2000_is_not_reached_by_500_sends() -> None:
    sent = times(500, NOW - timedelta(hours=23), timedelta(seconds=30))
    assert next_slot(NOW, sent, [], 2000, 15000) is None


def test_150_sends_in_a_minute_use_the_15000_units_and_the_next_waits() -> None:
    attempts = times(150, NOW - timedelta(seconds=59), timedelta(milliseconds=100))
    wait = next_slot(NOW, [], attempts, 2000, 15000)
    assert wait is not None
    assert wait.until == attempts[0] + timedelta(minutes=1)
    assert next_slot(NOW, [], attempts[:149], 2000, 15000) is None


@pytest.mark.parametrize("cap", [0, -1, -500])
def test_a_zero_or_negative_cap_never_sends_and_says_so(cap: int) -> None:
    sent = times(3, NOW - timedelta(hours=1), timedelta(minutes=1))
    assert next_slot(NOW, sent, [], cap, 15000) == Wait(
        NOW + timedelta(hours=24), "daily send cap is 0 for this account"
    )
    assert next_slot(NOW, [], [], cap, 15000) == Wait(NOW + timedelta(hours=24), "daily send cap is 0 for this account")


def test_the_gmail_figures() -> None:
    assert SEND_UNITS == 100
    assert timedelta(hours=24) == DAY
    assert timedelta(minutes=1) == MINUTE


@pytest.mark.parametrize(
    ("units", "sends"), [(0, 1), (1, 1), (99, 1), (100, 1), (150, 1), (199, 1), (200, 2), (299, 2), (15000, 150)]
)
def test_a_minute_quota_allows_whole_sends_and_never_fewer_than_one(units: int, sends: int) -> None:
    assert sends_per_minute(units) == sends


@pytest.mark.parametrize(("units", "sends"), [(150, 1), (199, 1), (200, 2), (350, 3)])
def test_a_quota_under_a_few_hundred_units_waits_after_that_many_sends(units: int, sends: int) -> None:
    attempts = times(sends, NOW - timedelta(seconds=30), timedelta(seconds=1))
    assert next_slot(NOW, [], attempts[: sends - 1], 2000, units) is None
    wait = next_slot(NOW, [], attempts, 2000, units)
    opens = attempts[0] + timedelta(minutes=1)
    assert wait == Wait(opens, f"Gmail quota of {units} units per minute reached; next slot at {opens.isoformat()}")


def test_the_minute_window_counts_back_from_the_most_recent_attempts() -> None:
    attempts = times(5, NOW - timedelta(seconds=50), timedelta(seconds=10))  # -50s, -40s, ..., -10s
    wait = next_slot(NOW, [], attempts, 2000, 300)  # 3 sends a minute: the 3rd most recent decides
    assert wait is not None and wait.until == attempts[2] + timedelta(minutes=1)


@pytest.mark.parametrize("cap", [1, 2, 500])
def test_the_daily_cap_is_reached_at_exactly_cap_sends(cap: int) -> None:
    sent = times(cap, NOW - timedelta(hours=20), timedelta(seconds=10))
    assert next_slot(NOW, sent[: cap - 1], [], cap, 15000) is None
    opens = sent[0] + timedelta(hours=24)
    wait = next_slot(NOW, sent, [], cap, 15000)
    assert wait == Wait(opens, f"daily send cap of {cap} reached; next slot at {opens.isoformat()}")


def test_the_daily_window_counts_back_from_the_most_recent_sends() -> None:
    sent = times(5, NOW - timedelta(hours=20), timedelta(hours=1))
    wait = next_slot(NOW, sent, [], 3, 15000)
    assert wait is not None and wait.until == sent[2] + timedelta(hours=24)


def test_the_daily_cap_is_told_before_the_minute_quota() -> None:
    sent = times(2, NOW - timedelta(seconds=20), timedelta(seconds=10))
    wait = next_slot(NOW, sent, sent, 2, 100)
    assert wait is not None and wait.reason.startswith("daily send cap of 2 reached")


@pytest.mark.parametrize(
    ("day_mark", "minute_mark", "expected"),
    [
        (None, None, None),
        (
            NOW - timedelta(hours=1),
            None,
            Wait(NOW + timedelta(hours=23), "daily send cap of 7 reached; next slot at 2026-11-25T11:00:00+00:00"),
        ),
        (
            None,
            NOW - timedelta(seconds=15),
            Wait(
                NOW + timedelta(seconds=45),
                "Gmail quota of 250 units per minute reached; next slot at 2026-11-24T12:00:45+00:00",
            ),
        ),
        (
            NOW - timedelta(hours=1),
            NOW - timedelta(seconds=15),
            Wait(NOW + timedelta(hours=23), "daily send cap of 7 reached; next slot at 2026-11-25T11:00:00+00:00"),
        ),
    ],
)
def test_the_slot_from_the_two_marks(
    day_mark: datetime | None, minute_mark: datetime | None, expected: Wait | None
) -> None:
    assert next_slot_from_marks(NOW, day_mark, minute_mark, 7, 250) == expected


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"),
    [
        (-3, 0.0, 1.0),
        (0, 0.0, 1.0),
        (1, 0.0, 1.0),
        (1, 0.5, 1.5),
        (1, 0.999, 1.999),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (8, 0.0, 128.0),
        (9, 0.0, 150.0),  # 256 s capped at 300 s, halved
        (9, 1.0, 300.0),
        (20, 0.5, 225.0),
    ],
)
def test_backoff_doubles_with_jitter_and_is_capped(attempt: int, jitter: float, expected: float) -> None:
    assert backoff_seconds(attempt, 2.0, 300.0, jitter) == pytest.approx(expected, rel=1e-9)
