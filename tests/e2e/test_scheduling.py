"""Scheduling: due drafts go out within seconds, unscheduling wins, several schedulers never double-queue."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.drafts import DraftFields, Limits, create_draft
from domain.records import OutboundEmail
from domain.sending import SendRequest, request_send
from tests.conftest import wait_for
from tests.e2e.helpers import email_row, event_kinds, sent_copies, status_is
from tests.factories import Tenant, gql, make_connected_tenant
from workers.db import session_scope
from workers.scheduler import default_jobs, release_due_drafts, stale_pending

SCHEDULE = """mutation($id: ID!, $at: DateTime!) { scheduleDraft(id: $id, plannedSendAt: $at) { __typename } }"""
UNSCHEDULE = """mutation($id: ID!) { unscheduleDraft(id: $id) { __typename } }"""


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def draft(tenant: Tenant, planned: datetime | None = None, subject: str = "Scheduled") -> uuid.UUID:
    with session_scope() as session:
        row = create_draft(
            session,
            tenant.organization_id,
            DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject=subject),
            "test",
            Limits(),
        )
        return row.id


async def test_a_scheduled_draft_goes_out_at_its_time_and_not_before(client, tenant, gmail, scheduler) -> None:
    email_id = draft(tenant)
    planned = datetime.now(UTC) + timedelta(seconds=1.5)
    result = await gql(client, SCHEDULE, {"id": str(email_id), "at": planned.isoformat()}, tenant.token)
    assert result["data"]["scheduleDraft"]["__typename"] == "DraftSaved"
    row = wait_for(status_is(str(email_id), "SENT"), timeout=15)
    assert row.sent_at >= planned  # how late it may be is measured by bench/scheduler_lateness.py
    assert event_kinds(email_id) == ["created", "scheduled", "queued", "attempt", "sent"]
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1


def test_a_draft_is_released_at_its_planned_instant_to_the_millisecond(tenant) -> None:
    email_id = draft(tenant)
    planned = datetime.now(UTC) + timedelta(hours=1)
    with session_scope() as session:
        from domain.drafts import schedule_draft

        schedule_draft(session, tenant.organization_id, email_id, planned, "test")
    assert release_due_drafts(session_scope, planned - timedelta(milliseconds=1)) == []
    assert email_row(email_id).status.value == "DRAFT"
    assert release_due_drafts(session_scope, planned) == [email_id]
    assert email_row(email_id).status.value == "PENDING"
    assert release_due_drafts(session_scope, planned + timedelta(seconds=1)) == []  # released once


async def test_unscheduling_before_the_time_wins(client, tenant) -> None:
    email_id, kept = draft(tenant), draft(tenant, subject="kept")
    planned = datetime.now(UTC) + timedelta(seconds=1)
    for target in (email_id, kept):
        await gql(client, SCHEDULE, {"id": str(target), "at": planned.isoformat()}, tenant.token)
    result = await gql(client, UNSCHEDULE, {"id": str(email_id)}, tenant.token)
    assert result["data"]["unscheduleDraft"]["__typename"] == "DraftSaved"
    # The scheduler's release job, run once on a clock the test sets past the planned time: the
    # draft still scheduled goes out, the unscheduled one stays a draft.
    enqueued: list[uuid.UUID] = []
    jobs = default_jobs(
        session_scope,
        enqueued.append,
        interval=0.2,
        stale=timedelta(seconds=2),
        lease=timedelta(seconds=5),
        clock=lambda: planned + timedelta(seconds=1),
    )
    (release,) = [job for job in jobs if job.name == "release_due_drafts"]
    release.run()
    assert kept in enqueued and email_id not in enqueued
    assert email_row(email_id).status.value == "DRAFT"
    assert email_row(kept).status.value == "PENDING"


def test_two_schedulers_never_queue_the_same_draft_twice(tenant) -> None:
    ids = [draft(tenant, subject=f"d{i}") for i in range(60)]
    with session_scope() as session:
        for email_id in ids:
            row = session.get(OutboundEmail, email_id)
            row.planned_send_at = datetime.now(UTC) - timedelta(seconds=1)
            session.add(row)
    claimed: list[list[uuid.UUID]] = [[], []]
    barrier = threading.Barrier(2)

    def run(slot: int) -> None:
        barrier.wait()
        while batch := release_due_drafts(session_scope, datetime.now(UTC), limit=7):
            claimed[slot].extend(batch)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = claimed[0] + claimed[1]
    assert sorted(together) == sorted(ids)
    assert len(set(together)) == len(together)
    assert all(event_kinds(email_id).count("queued") == 1 for email_id in ids)


async def test_the_sweeper_re_enqueues_a_pending_email_whose_job_was_lost(tenant, gmail, scheduler) -> None:
    with session_scope() as session:  # recorded PENDING, but the enqueue after commit never happened
        row, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(fields=DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="Lost job")),
            "test",
            Limits(),
        )
        email_id = row.id
    wait_for(status_is(str(email_id), "SENT"), timeout=10)
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1


def test_stale_pending_finds_unclaimed_and_expired_claims_only(tenant) -> None:
    now = datetime.now(UTC)
    with session_scope() as session:
        fresh, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(fields=DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="fresh")),
            "t",
            Limits(),
        )
        old, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(fields=DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="old")),
            "t",
            Limits(),
        )
        held, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(fields=DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="held")),
            "t",
            Limits(),
        )
        expired, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(fields=DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="exp")),
            "t",
            Limits(),
        )
        old.next_attempt_at = now - timedelta(seconds=30)
        held.attempt_token, held.attempt_started_at = uuid.uuid4(), now - timedelta(seconds=1)
        expired.attempt_token, expired.attempt_started_at = uuid.uuid4(), now - timedelta(seconds=60)
        for row in (old, held, expired):
            session.add(row)
        ids = {fresh.id: "fresh", old.id: "old", held.id: "held", expired.id: "expired"}
    found = stale_pending(session_scope, now, timedelta(seconds=2), timedelta(seconds=5))
    assert sorted(ids[i] for i in found if i in ids) == ["expired", "old"]
