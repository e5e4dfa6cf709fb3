"""The per-account Gmail budget: daily cap and per-minute quota units, as pure arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.quota import backoff_seconds, next_slot

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


def test_a_zero_cap_never_sends() -> None:
    assert next_slot(NOW, [], [], 0, 15000) is not None


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"), [(1, 0.0, 1.0), (1, 0.999, 1.999), (3, 0.0, 4.0), (20, 0.5, 225.0)]
)
def test_backoff_doubles_with_jitter_and_is_capped(attempt: int, jitter: float, expected: float) -> None:
    assert backoff_seconds(attempt, 2.0, 300.0, jitter) == pytest.approx(expected, rel=1e-3)
