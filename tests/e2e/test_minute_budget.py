"""The per-minute budget read through the account's attempts by minute (migration 0012): each
claim is counted in its UTC minute's slot of a ring of four, the claim reads the attempts
themselves only when the two minutes' counts reach the budget, and the budget still holds to the
millisecond across minutes. Real dispatcher, real PostgreSQL, the emulator."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from domain.dispatch import Dispatcher, Outcome
from domain.dispatch.claim_read import minute_of, minute_slot
from domain.records import AccountAttemptMinute
from domain.settings import get_settings
from tests.e2e.test_send_control import Clock, dispatcher, queue
from tests.e2e.test_send_plans import explaining_engine, sessions_of
from tests.factories import Tenant, make_connected_tenant
from workers import runtime
from workers.db import session_scope


def ring(tenant: Tenant) -> dict[int, tuple[datetime, int]]:
    with session_scope() as session:
        rows = session.exec(select(AccountAttemptMinute).where(AccountAttemptMinute.account_id == tenant.account_id))
        return {row.slot: (row.minute, row.attempts) for row in rows}


def a_minute_start() -> datetime:
    """A minute ahead of now (a queued email is due now: a dispatcher's clock must not be earlier)."""
    return minute_of(datetime.now(UTC)) + timedelta(hours=2)


def three_a_minute(clock: Clock) -> Dispatcher:
    sends = dispatcher(clock)
    return dataclasses.replace(sends, policy=dataclasses.replace(sends.policy, units_per_minute=300))


def test_each_claim_is_counted_in_its_minutes_slot_and_a_newer_minute_takes_a_slot_over(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    m = a_minute_start()
    clock = Clock(m + timedelta(seconds=10))
    sends = dispatcher(clock)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.advance(49.999)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.advance(0.002)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    after = m + timedelta(minutes=1)
    assert ring(tenant) == {minute_slot(m): (m, 2), minute_slot(after): (after, 1)}
    clock.now = m + timedelta(minutes=4, seconds=5)  # four minutes on: m's slot again
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    later = m + timedelta(minutes=4)
    assert minute_slot(later) == minute_slot(m)
    assert ring(tenant) == {minute_slot(m): (later, 1), minute_slot(after): (after, 1)}


def test_a_claim_stamped_with_an_older_minute_than_its_slot_holds_adds_to_the_newer_count(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    m = a_minute_start()
    ahead = Clock(m + timedelta(minutes=4, seconds=1))
    assert dispatcher(ahead).send(queue(tenant)).outcome == Outcome.SENT
    behind = Clock(m + timedelta(seconds=1))  # a worker whose clock is four minutes behind
    assert dispatcher(behind).send(queue(tenant)).outcome == Outcome.SENT
    assert ring(tenant) == {minute_slot(m): (m + timedelta(minutes=4), 2)}  # high, never low


def test_the_budget_holds_to_the_millisecond_within_a_minute_and_across_its_end(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    m = a_minute_start()
    clock = Clock(m + timedelta(seconds=50))
    sends = three_a_minute(clock)
    for step in (0, 5, 4):  # 3 attempts at :50, :55 and :59 of minute m
        clock.advance(step)
        assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.now = m + timedelta(seconds=61)  # minute m+1: its own count is 0, the rolling minute's is 3
    fourth = queue(tenant)
    waiting = sends.send(fourth)
    assert waiting.outcome == Outcome.WAIT and "units per minute" in waiting.detail
    opens = m + timedelta(seconds=110)  # the oldest of the three, a minute on
    assert abs(waiting.delay_seconds - (opens - clock.now).total_seconds()) < 0.001
    clock.now = opens - timedelta(milliseconds=1)
    assert sends.send(fourth).outcome == Outcome.WAIT
    clock.now = opens + timedelta(milliseconds=1)
    assert sends.send(fourth).outcome == Outcome.SENT


@contextlib.contextmanager
def analysed_claims(clock: Clock, units_per_minute: int) -> Iterator[tuple[Dispatcher, list[str]]]:
    """A dispatcher whose statements' plans are logged with what each node actually ran."""
    with explaining_engine() as (engine, plans):
        with engine.connect() as conn:  # every pooled connection (one) logs its plans analysed
            conn.exec_driver_sql("SET auto_explain.log_analyze = on")
            conn.commit()
        policy = dataclasses.replace(runtime.policy(get_settings()), units_per_minute=units_per_minute)
        yield (
            Dispatcher(
                sessions_of(engine),
                runtime.gateway(),
                runtime.cipher().decrypt,
                policy,
                clock=clock,
                jitter=lambda: 0.0,
            ),
            plans,
        )


def attempt_scans(plans: list[str]) -> list[str]:
    """The plan lines, of every statement logged, that read the account's attempts themselves."""
    return [line for plan in plans for line in plan.splitlines() if "ix_outbound_email_account_attempt" in line]


def test_below_the_budget_the_claim_never_reads_the_attempts_and_at_it_it_does(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    m = a_minute_start()
    clock = Clock(m + timedelta(seconds=5))
    with analysed_claims(clock, units_per_minute=300) as (sends, plans):
        plans.clear()
        for _ in range(2):
            clock.advance(1)
            assert sends.send(queue(tenant)).outcome == Outcome.SENT
        claims = [text for text in plans if "Query Text: SELECT outbound_email.id" in text]
        assert len(claims) == 2 and all("account_attempt_minute" in text for text in claims)  # the bound was read
        assert attempt_scans(plans) == []  # 1 attempt counted, then 2: below 3, never the attempts
        clock.advance(1)
        assert sends.send(queue(tenant)).outcome == Outcome.SENT
        plans.clear()
        clock.advance(1)
        assert sends.send(queue(tenant)).outcome == Outcome.WAIT  # 3 counted: the attempts decide
        scans = attempt_scans(plans)
        assert scans and all("never executed" not in scan and "actual" in scan for scan in scans), scans
