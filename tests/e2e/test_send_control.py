"""Control over a queued send: cancelSend (race-free against the worker's claim), sendBefore (fail
rather than go late: in the claim, the scheduler and the sweeper), and the daily cap set through
the API with its usage readable. Driven through GraphQL and the real dispatcher against the emulator.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from domain.cancel import cancel_send
from domain.dispatch import Dispatcher, Outcome
from domain.drafts import DraftFields, Limits
from domain.errors import DomainError
from domain.records import OutboundEmail
from domain.sending import SendRequest, request_send
from domain.settings import get_settings
from tests.e2e.helpers import email_row, event_kinds, sent_copies
from tests.factories import Tenant, gql, make_connected_tenant, make_tenant
from workers import runtime
from workers.db import session_scope
from workers.scheduler import expire_overdue, release_due_drafts

EXPIRED = "expired before it could be sent"
CANCEL = """mutation($id: ID!) { cancelSend(id: $id) { __typename
  ... on SendCancelled { outboundEmail { id status waitReason nextAttemptAt sendBefore events { kind } } }
  ... on MutationError { code message field } } }"""
SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) { __typename
  ... on EmailQueued { outboundEmail { id status plannedSendAt sendBefore } } ... on MutationError { code field } } }"""


class Clock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def queue(tenant: Tenant, send_before: datetime | None = None, to: str = "client@example.com") -> uuid.UUID:
    """A PENDING email as sendEmail records it, before any worker saw it."""
    with session_scope() as session:
        email, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(
                fields=DraftFields(account_id=tenant.account_id, to=[to], subject="Queued", body_text="hi"),
                send_before=send_before,
            ),
            "test",
            Limits(),
        )
        return email.id


def dispatcher(clock: Any = None) -> Dispatcher:
    return Dispatcher(
        sessions=session_scope,
        gateway=runtime.gateway(),
        decrypt=runtime.cipher().decrypt,
        policy=runtime.policy(get_settings()),
        clock=clock or Clock(),
        jitter=lambda: 0.0,
    )


def calls(gmail: Any, since: int) -> Counter[str]:
    return Counter(name for name, _user in gmail.router.calls[since:])


async def cancel(client: Any, tenant: Tenant, email_id: uuid.UUID | str) -> dict[str, Any]:
    body = await gql(client, CANCEL, {"id": str(email_id)}, tenant.token)
    assert "errors" not in body, body
    return dict(body["data"]["cancelSend"])


# -- cancelSend ------------------------------------------------------------------------------------


async def test_cancel_send_takes_an_unclaimed_email_back_to_draft(client, tenant, gmail) -> None:
    email_id = queue(tenant)
    result = await cancel(client, tenant, email_id)
    assert result["__typename"] == "SendCancelled", result
    shown = result["outboundEmail"]
    assert (shown["status"], shown["waitReason"], shown["nextAttemptAt"]) == ("DRAFT", None, None)
    assert [e["kind"] for e in shown["events"]][-1] == "cancelled"
    assert dispatcher().send(email_id).outcome == Outcome.SKIPPED  # the job still queued finds a draft
    assert sent_copies(gmail, tenant.account_email, str(email_id)) == []
    again = await gql(client, SEND, {"input": {"draftId": str(email_id)}}, tenant.token)  # and it can go again
    assert again["data"]["sendEmail"]["outboundEmail"]["status"] == "PENDING"
    assert dispatcher().send(email_id).outcome == Outcome.SENT


async def test_cancel_send_works_while_the_email_waits_on_the_quota_or_a_backoff(client, gmail, db) -> None:
    capped = make_connected_tenant(gmail, daily_send_cap=0)
    waiting = queue(capped)
    assert dispatcher().send(waiting).outcome == Outcome.WAIT
    assert email_row(waiting).wait_reason is not None
    assert (await cancel(client, capped, waiting))["outboundEmail"]["status"] == "DRAFT"

    tenant = make_connected_tenant(gmail)
    rate_limited = queue(tenant)
    gmail.queue_fault("messages.send", status=429, reason="rateLimitExceeded", message="Too many requests")
    assert dispatcher().send(rate_limited).outcome == Outcome.WAIT  # a definite refusal: nothing was sent
    assert (await cancel(client, tenant, rate_limited))["outboundEmail"]["status"] == "DRAFT"

    from workers.gmail.client import GmailGateway

    backing_off = queue(tenant)
    settings = get_settings()
    misconfigured = dispatcher()
    misconfigured.gateway = GmailGateway(settings.model_copy(update={"gmail_api_url": settings.gmail_api_url + "/x"}))
    assert misconfigured.send(backing_off).outcome == Outcome.RETRY  # held, with a backoff, nothing sent
    assert (await cancel(client, tenant, backing_off))["outboundEmail"]["status"] == "DRAFT"


async def test_cancel_send_refuses_what_may_already_be_sending_and_other_states(client, tenant, gmail) -> None:
    claimed = queue(tenant)
    with session_scope() as session:  # a worker holds the send right now
        row = session.get(OutboundEmail, claimed)
        row.attempt_token, row.attempt_started_at = uuid.uuid4(), datetime.now(UTC)
        session.add(row)
    refused = await cancel(client, tenant, claimed)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "SendInProgressError",
        "SEND_IN_PROGRESS",
        "id",
    )
    assert email_row(claimed).status.value == "PENDING"

    doubtful = queue(tenant)
    gmail.queue_fault("messages.send", kind="reset")  # the answer was lost: it may have gone
    assert dispatcher().send(doubtful).outcome == Outcome.RETRY
    refused = await cancel(client, tenant, doubtful)
    assert refused["code"] == "SEND_IN_PROGRESS" and "may already have reached Gmail" in refused["message"]

    sent = queue(tenant)
    assert dispatcher().send(sent).outcome == Outcome.SENT
    assert (await cancel(client, tenant, sent))["__typename"] == "InvalidStateError"
    stranger = make_tenant()
    assert (await cancel(client, stranger, claimed))["__typename"] == "NotFoundError"
    assert (await cancel(client, tenant, "not-an-id"))["code"] == "INVALID_INPUT"


def test_a_cancel_and_the_workers_claim_never_both_win(tenant, gmail) -> None:
    ids = [queue(tenant, to=f"race{i}@example.com") for i in range(10)]
    lease = timedelta(seconds=get_settings().send_lease_seconds)
    outcomes: dict[uuid.UUID, str] = {}

    def cancel_now(email_id: uuid.UUID, start: threading.Barrier) -> None:
        start.wait()
        try:
            with session_scope() as session:
                cancel_send(session, tenant.organization_id, email_id, "test", lease)
            outcomes[email_id] = "cancelled"
        except DomainError as error:
            outcomes[email_id] = error.code.value

    for email_id in ids:
        start = threading.Barrier(2)
        canceller = threading.Thread(target=cancel_now, args=(email_id, start))
        canceller.start()
        start.wait()
        dispatcher().send(email_id)
        canceller.join()
    for email_id in ids:
        copies = sent_copies(gmail, tenant.account_email, str(email_id))
        status = email_row(email_id).status.value
        if outcomes[email_id] == "cancelled":
            assert (status, copies) == ("DRAFT", []), email_id
        else:
            assert outcomes[email_id] in {"SEND_IN_PROGRESS", "ILLEGAL_TRANSITION"}
            assert status == "SENT" and len(copies) == 1, email_id


# -- sendBefore ------------------------------------------------------------------------------------


async def test_a_send_before_in_the_past_or_not_after_the_planned_time_is_refused(client, tenant) -> None:
    now = datetime.now(UTC)
    base = {"accountId": str(tenant.account_id), "to": ["client@example.com"], "subject": "x"}
    for extra in (
        {"sendBefore": (now - timedelta(minutes=1)).isoformat()},
        {"plannedSendAt": (now + timedelta(hours=2)).isoformat(), "sendBefore": (now + timedelta(hours=1)).isoformat()},
    ):
        body = await gql(client, SEND, {"input": {**base, **extra}}, tenant.token)
        assert body["data"]["sendEmail"] == {
            "__typename": "ValidationError",
            "code": "SEND_WINDOW_INVALID",
            "field": "sendBefore",
        }
    with session_scope() as session:
        assert (
            session.exec(select(OutboundEmail).where(OutboundEmail.organization_id == tenant.organization_id)).all()
            == []
        )
    ok = await gql(
        client, SEND, {"input": {**base, "sendBefore": (now + timedelta(hours=1)).isoformat()}}, tenant.token
    )
    shown = ok["data"]["sendEmail"]["outboundEmail"]
    assert datetime.fromisoformat(shown["sendBefore"]) == (now + timedelta(hours=1)).replace(
        microsecond=now.microsecond
    )


def test_the_claim_fails_an_email_past_its_send_before_without_calling_gmail(tenant, gmail) -> None:
    clock = Clock()
    email_id = queue(tenant, send_before=clock.now + timedelta(seconds=60))
    clock.advance(61)
    start = len(gmail.router.calls)
    result = dispatcher(clock).send(email_id)
    assert result.outcome == Outcome.FAILED
    row = email_row(email_id)
    assert (row.status.value, row.error_message) == ("FAILED", EXPIRED)
    assert calls(gmail, start)["messages.send"] == 0 and sent_copies(gmail, tenant.account_email, str(email_id)) == []


def test_an_email_whose_next_quota_slot_comes_after_send_before_fails_at_once(gmail, db) -> None:
    tenant = make_connected_tenant(gmail, daily_send_cap=1)
    clock = Clock()
    assert dispatcher(clock).send(queue(tenant)).outcome == Outcome.SENT
    email_id = queue(tenant, send_before=clock.now + timedelta(hours=1))  # the next slot is a day away
    clock.now = datetime.now(UTC)
    assert dispatcher(clock).send(email_id).outcome == Outcome.FAILED
    row = email_row(email_id)
    assert row.error_message.startswith(EXPIRED) and "daily send cap of 1" in row.error_message


def test_retries_that_would_end_after_send_before_fail_instead(tenant, gmail) -> None:
    clock = Clock()
    email_id = queue(tenant, send_before=clock.now + timedelta(seconds=1))
    gmail.queue_fault("messages.send", status=503, reason="backendError", message="Backend Error")
    assert dispatcher(clock).send(email_id).outcome == Outcome.FAILED  # the backoff (2 s) ends too late
    row = email_row(email_id)
    assert row.error_message.startswith(EXPIRED) and "Backend Error" in row.error_message
    assert row.uncertain_since is not None  # a 503 may hide a send: a retry will look in Sent first


def test_a_scheduled_draft_whose_send_before_passed_is_failed_by_the_scheduler(tenant) -> None:
    from domain.drafts import create_draft, schedule_draft

    now = datetime.now(UTC)
    with session_scope() as session:
        draft = create_draft(
            session,
            tenant.organization_id,
            DraftFields(account_id=tenant.account_id, to=["client@example.com"], subject="late"),
            "test",
            Limits(),
        )
        schedule_draft(
            session,
            tenant.organization_id,
            draft.id,
            now + timedelta(minutes=1),
            "test",
            send_before=now + timedelta(minutes=2),
        )
        draft_id = draft.id
    assert release_due_drafts(session_scope, now + timedelta(minutes=3)) == []  # the scheduler was down, say
    row = email_row(draft_id)
    assert (row.status.value, row.error_message) == ("FAILED", EXPIRED)
    assert event_kinds(draft_id)[-2:] == ["queued", "failed"]


def test_the_sweeper_fails_waiting_emails_past_send_before_and_leaves_doubtful_ones_to_the_worker(
    tenant, gmail
) -> None:
    clock = Clock()
    lease = timedelta(seconds=get_settings().send_lease_seconds)
    waiting = queue(tenant, send_before=clock.now + timedelta(seconds=30))
    with session_scope() as session:  # waiting on the quota, a long way off
        row = session.get(OutboundEmail, waiting)
        row.next_attempt_at, row.wait_reason = clock.now + timedelta(hours=5), "daily send cap of 1 reached"
        session.add(row)
    doubtful = queue(tenant, send_before=clock.now + timedelta(seconds=30))
    gmail.queue_fault("messages.send", kind="reset_after")  # Gmail took it; the answer was lost
    clock.now = datetime.now(UTC)
    assert dispatcher(clock).send(doubtful).outcome == Outcome.RETRY
    clock.advance(60)
    assert expire_overdue(session_scope, clock.now, lease) == [waiting]
    assert email_row(waiting).error_message == EXPIRED
    assert email_row(doubtful).status.value == "PENDING"  # it may have gone: the worker looks first
    start = len(gmail.router.calls)
    assert dispatcher(clock).send(doubtful).outcome == Outcome.SENT  # found in Sent, recorded, not failed
    assert calls(gmail, start)["messages.send"] == 0
    assert len(sent_copies(gmail, tenant.account_email, str(doubtful))) == 1


def test_past_send_before_an_earlier_attempt_that_sent_nothing_fails_without_sending_again(tenant, gmail) -> None:
    clock = Clock()
    email_id = queue(tenant, send_before=clock.now + timedelta(seconds=30))
    gmail.queue_fault("messages.send", kind="reset")  # lost before Gmail took it
    assert dispatcher(clock).send(email_id).outcome == Outcome.RETRY
    clock.advance(60)
    start = len(gmail.router.calls)
    assert dispatcher(clock).send(email_id).outcome == Outcome.FAILED
    made = calls(gmail, start)
    assert made["messages.send"] == 0 and made["messages.list"] == 1  # looked, found nothing, sent nothing late
    assert email_row(email_id).error_message == EXPIRED


# -- dailySendCap ------------------------------------------------------------------------------------

ACCOUNTS = """{ mailAccounts { id kind dailySendCap dailySendUsage { sentLast24Hours cap remaining nextSlotAt } } }"""
SET_CAP = """mutation($a: ID!, $cap: Int!) { setDailySendCap(accountId: $a, cap: $cap) { __typename
  ... on MailAccountUpdated { mailAccount { dailySendCap dailySendUsage { remaining } } }
  ... on MutationError { code field message } } }"""


async def test_the_daily_cap_is_set_through_the_api_and_its_usage_is_readable(client, tenant, gmail) -> None:
    (account,) = (await gql(client, ACCOUNTS, token=tenant.token))["data"]["mailAccounts"]
    assert (account["kind"], account["dailySendCap"]) == ("UNKNOWN", 500)  # Gmail did not say: the safe 500
    assert account["dailySendUsage"] == {"sentLast24Hours": 0, "cap": 500, "remaining": 500, "nextSlotAt": None}
    first = queue(tenant)
    assert dispatcher().send(first).outcome == Outcome.SENT

    changed = await gql(client, SET_CAP, {"a": str(tenant.account_id), "cap": 1}, tenant.token)
    assert changed["data"]["setDailySendCap"] == {
        "__typename": "MailAccountUpdated",
        "mailAccount": {"dailySendCap": 1, "dailySendUsage": {"remaining": 0}},
    }
    (account,) = (await gql(client, ACCOUNTS, token=tenant.token))["data"]["mailAccounts"]
    usage = account["dailySendUsage"]
    assert (usage["sentLast24Hours"], usage["cap"], usage["remaining"]) == (1, 1, 0)
    assert datetime.fromisoformat(usage["nextSlotAt"]) == email_row(first).sent_at + timedelta(hours=24)
    second = queue(tenant)
    assert dispatcher().send(second).outcome == Outcome.WAIT
    assert "daily send cap of 1" in email_row(second).wait_reason

    for cap in (2001, -1):
        refused = (await gql(client, SET_CAP, {"a": str(tenant.account_id), "cap": cap}, tenant.token))["data"]
        assert (refused["setDailySendCap"]["__typename"], refused["setDailySendCap"]["field"]) == (
            "ValidationError",
            "cap",
        )
    stranger = make_tenant()
    foreign = await gql(client, SET_CAP, {"a": str(tenant.account_id), "cap": 10}, stranger.token)
    assert foreign["data"]["setDailySendCap"]["__typename"] == "NotFoundError"
    assert "account_updated" in event_kinds(tenant.account_id)


class SlowSearch:
    """The real gateway, with a Sent search that takes most of a lease (protocol MailGateway)."""

    def __init__(self, inner: Any, clock: Clock, seconds: float) -> None:
        self.inner, self.clock, self.seconds = inner, clock, seconds

    def find_sent_by_header(self, *args: Any) -> Any:
        self.clock.advance(self.seconds)
        return self.inner.find_sent_by_header(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_slow_search_renews_the_claim_instead_of_starving_the_email(tenant, gmail) -> None:
    email_id = queue(tenant)
    gmail.queue_fault("messages.send", kind="reset")  # lost before Gmail took it: the next attempt searches
    clock = Clock()
    assert dispatcher(clock).send(email_id).outcome == Outcome.RETRY
    clock.advance(10)
    lease = timedelta(seconds=get_settings().send_lease_seconds)
    slow = dispatcher(clock)
    slow.gateway = SlowSearch(runtime.gateway(), clock, lease.total_seconds() * 0.75)
    assert slow.send(email_id).outcome == Outcome.SENT  # before: "claim too old to send", again and again
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1

    taken = queue(tenant)
    gmail.queue_fault("messages.send", kind="reset")
    assert dispatcher(clock).send(taken).outcome == Outcome.RETRY
    clock.advance(10)

    class TakenOver(SlowSearch):
        def find_sent_by_header(self, *args: Any) -> Any:
            with session_scope() as session:  # meanwhile, another worker took the send over
                row = session.get(OutboundEmail, taken)
                row.attempt_token = uuid.uuid4()
                session.add(row)
            return super().find_sent_by_header(*args)

    racing = dispatcher(clock)
    racing.gateway = TakenOver(runtime.gateway(), clock, lease.total_seconds() * 1.5)
    assert racing.send(taken).outcome == Outcome.SKIPPED  # it gives way and sends nothing
    assert sent_copies(gmail, tenant.account_email, str(taken)) == []
