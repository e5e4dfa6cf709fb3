"""The daily cap read through the account's sends by hour (migration 0011): each recorded send is
counted in its UTC hour, the claim reads the sends themselves only when those counts reach the
cap, and the cap still holds to the second across hours and days. Real dispatcher, real
PostgreSQL, the emulator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from domain.dispatch import Outcome
from domain.dispatch.claim_read import hour_of
from domain.records import AccountSendHour
from tests.e2e.helpers import sent_copies
from tests.e2e.test_send_control import Clock, dispatcher, queue
from tests.factories import Tenant, make_connected_tenant
from workers.db import session_scope
from workers.periodic import SEND_HOURS_KEPT, forget_old_send_hours_job


def counts(tenant: Tenant) -> dict[datetime, int]:
    with session_scope() as session:
        rows = session.exec(select(AccountSendHour).where(AccountSendHour.account_id == tenant.account_id)).all()
        return {row.hour: row.sends for row in rows}


def an_hour_start() -> datetime:
    """An hour ahead of now (a queued email is due now: a dispatcher's clock must not be earlier)."""
    return hour_of(datetime.now(UTC)) + timedelta(hours=2)


def test_each_send_is_counted_in_the_utc_hour_it_was_recorded(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    eleven = an_hour_start()
    clock = Clock(eleven - timedelta(seconds=1))
    sends = dispatcher(clock)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.advance(1)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.advance(3599)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    assert counts(tenant) == {eleven - timedelta(hours=1): 1, eleven: 2}


def test_a_send_recorded_twice_is_counted_once(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    clock = Clock(an_hour_start())
    email_id = queue(tenant)
    assert dispatcher(clock).send(email_id).outcome == Outcome.SENT
    again = dispatcher(clock).outcomes.record_sent(email_id, _sent(tenant, email_id, gmail), None, recovered=True)
    assert again.outcome == Outcome.SKIPPED
    assert counts(tenant) == {clock.now: 1}


def _sent(tenant: Tenant, email_id: uuid.UUID, gmail) -> object:  # type: ignore[no-untyped-def]
    from domain.gateway import SentMessage

    (message,) = sent_copies(gmail, tenant.account_email, str(email_id))
    return SentMessage(message.id, message.thread_id, ())


def test_the_cap_holds_across_hours_and_frees_a_slot_a_day_after_the_oldest_send(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail, daily_send_cap=2)
    first_at = an_hour_start() + timedelta(minutes=30)
    clock = Clock(first_at)
    sends = dispatcher(clock)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.advance(2 * 3600)
    assert sends.send(queue(tenant)).outcome == Outcome.SENT
    clock.advance(3600)
    third = queue(tenant)
    waiting = sends.send(third)
    assert waiting.outcome == Outcome.WAIT and "daily send cap of 2" in waiting.detail
    assert abs(waiting.delay_seconds - (first_at + timedelta(days=1) - clock.now).total_seconds()) < 0.001
    # A day after the first send its hour is still within the 25 hours the bound adds up (so the
    # bound is at the cap), yet the send itself has left the window: the claim counts the sends.
    clock.now = first_at + timedelta(days=1, seconds=1)
    assert sends.send(third).outcome == Outcome.SENT
    assert sum(counts(tenant).values()) == 3


def test_the_counts_of_hours_no_claim_reads_are_forgotten(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    now = hour_of(datetime.now(UTC))
    old, recent = now - SEND_HOURS_KEPT - timedelta(hours=1), now - timedelta(hours=25)
    with session_scope() as session:
        for hour in (old, recent):
            session.add(AccountSendHour(account_id=tenant.account_id, hour=hour, sends=5))
    forget_old_send_hours_job()
    assert counts(tenant) == {recent: 5}
    with session_scope() as session:
        assert session.exec(select(AccountSendHour).where(col(AccountSendHour.hour) == old)).all() == []
