"""Delivery status only ever moves towards the more conclusive signal, whatever order signals arrive in."""

from __future__ import annotations

import itertools

import pytest

from domain.delivery import DeliveryStatus, upgrade

DELIVERED, DELAYED, REPLIED, BOUNCED = (
    DeliveryStatus.DELIVERED,
    DeliveryStatus.DELAYED,
    DeliveryStatus.REPLIED,
    DeliveryStatus.BOUNCE_DETECTED,
)
WEAKEST_FIRST = [DELIVERED, DELAYED, REPLIED, BOUNCED]


def test_the_statuses_and_their_stored_values() -> None:
    assert [s.value for s in DeliveryStatus] == ["delivered", "delayed", "replied", "bounce_detected"]


@pytest.mark.parametrize("signal", WEAKEST_FIRST)
def test_the_first_signal_always_sets_the_status(signal: DeliveryStatus) -> None:
    assert upgrade(None, signal) == signal


# Every ordered pair written out: (current, signal) -> result.
PAIRS = {
    (DELIVERED, DELIVERED): DELIVERED,
    (DELIVERED, DELAYED): DELAYED,
    (DELIVERED, REPLIED): REPLIED,
    (DELIVERED, BOUNCED): BOUNCED,
    (DELAYED, DELIVERED): DELAYED,
    (DELAYED, DELAYED): DELAYED,
    (DELAYED, REPLIED): REPLIED,
    (DELAYED, BOUNCED): BOUNCED,
    (REPLIED, DELIVERED): REPLIED,
    (REPLIED, DELAYED): REPLIED,
    (REPLIED, REPLIED): REPLIED,
    (REPLIED, BOUNCED): BOUNCED,
    (BOUNCED, DELIVERED): BOUNCED,
    (BOUNCED, DELAYED): BOUNCED,
    (BOUNCED, REPLIED): BOUNCED,
    (BOUNCED, BOUNCED): BOUNCED,
}


def test_the_table_covers_every_pair() -> None:
    assert set(PAIRS) == set(itertools.product(DeliveryStatus, repeat=2))


@pytest.mark.parametrize(("current", "signal"), sorted(PAIRS, key=str))
def test_a_signal_upgrades_a_weaker_status_and_never_downgrades_a_stronger_one(
    current: DeliveryStatus, signal: DeliveryStatus
) -> None:
    assert upgrade(current, signal) == PAIRS[(current, signal)]


@pytest.mark.parametrize("weaker", [DELIVERED, DELAYED, REPLIED])
def test_a_weaker_signal_after_a_bounce_keeps_the_bounce(weaker: DeliveryStatus) -> None:
    assert upgrade(BOUNCED, weaker) is BOUNCED


@pytest.mark.parametrize("order", list(itertools.permutations(WEAKEST_FIRST)))
def test_any_order_of_all_signals_ends_at_the_bounce(order: tuple[DeliveryStatus, ...]) -> None:
    status = None
    for signal in order:
        status = upgrade(status, signal)
    assert status is BOUNCED
