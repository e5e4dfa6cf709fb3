"""What an attempt's outcome means for the next one: a definite refusal leaves no doubt to search for.

After a 429 or a quota refusal Gmail sent nothing, so the next attempt sends at once instead of
listing Sent and reading each message's headers (which spends the very quota it waits for). After
an ambiguous outcome (a reset, a timeout, a 5xx) Gmail may have accepted the message, so the next
attempt looks in Sent first, within that attempt's time window, and never sends twice.

Driven by the real dispatcher against the emulator, with a clock the test moves; the emulator's
own call log counts what reached "Gmail".
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.dispatch import SEARCH_SKEW, Dispatcher, Outcome
from domain.drafts import DraftFields, Limits
from domain.records import OutboundEmail
from domain.sending import SendRequest, request_send
from domain.settings import get_settings
from tests.e2e.helpers import email_row, sent_copies
from tests.factories import Tenant, make_connected_tenant
from workers import runtime
from workers.db import session_scope


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def queue(tenant: Tenant, count: int) -> list[uuid.UUID]:
    with session_scope() as session:
        return [
            request_send(
                session,
                tenant.organization_id,
                SendRequest(
                    fields=DraftFields(account_id=tenant.account_id, to=[f"r{i}@example.com"], subject=f"#{i}")
                ),
                "test",
                Limits(),
            )[0].id
            for i in range(count)
        ]


def dispatcher(clock: Clock) -> Dispatcher:
    return Dispatcher(
        sessions=session_scope,
        gateway=runtime.gateway(),
        decrypt=runtime.cipher().decrypt,
        policy=runtime.policy(get_settings()),
        clock=clock,
        jitter=lambda: 0.0,
    )


def run_until_sent(clock: Clock, email_id: uuid.UUID, max_attempts: int = 50) -> list[Outcome]:
    """Attempt after attempt, moving the clock past each wait, until the email is SENT."""
    outcomes = []
    send = dispatcher(clock)
    for _ in range(max_attempts):
        result = send.send(email_id)
        outcomes.append(result.outcome)
        if result.outcome == Outcome.SENT:
            return outcomes
        assert result.outcome in (Outcome.WAIT, Outcome.RETRY), result
        clock.advance((result.delay_seconds or 0) + 0.001)
    raise AssertionError(f"not sent after {max_attempts} attempts: {outcomes}")


def calls(gmail, since: int) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(name for name, _user in gmail.router.calls[since:])


def test_a_429_storm_never_makes_an_attempt_search_sent(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    ids = queue(tenant, 8)
    for _ in range(8 * 5):
        gmail.queue_fault("messages.send", status=429, reason="rateLimitExceeded", message="Too many requests")
    clock, start = Clock(), len(gmail.router.calls)
    outcomes = [run_until_sent(clock, email_id) for email_id in ids]
    made = calls(gmail, start)
    assert made["messages.send"] == 8 * 5 + 8  # every refused attempt, plus one success each
    assert made["messages.list"] == 0, made  # no quota spent looking for what was never sent
    assert sum(o.count(Outcome.WAIT) for o in outcomes) == 8 * 5
    for email_id in ids:
        assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1
        assert email_row(email_id).uncertain_since is None


def test_an_ambiguous_send_is_found_in_sent_and_recorded_not_sent_again(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    (email_id,) = queue(tenant, 1)
    gmail.queue_fault("messages.send", kind="reset_after")  # Gmail took it; the answer was lost
    clock, start = Clock(), len(gmail.router.calls)
    assert run_until_sent(clock, email_id) == [Outcome.RETRY, Outcome.SENT]
    made = calls(gmail, start)
    assert made["messages.send"] == 1
    assert made["messages.list"] == 1
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1
    row = email_row(email_id)
    assert row.provider_message_id == sent_copies(gmail, tenant.account_email, str(email_id))[0].id


def test_doubt_from_an_ambiguous_attempt_outlives_a_later_429(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    (email_id,) = queue(tenant, 1)
    gmail.queue_fault("messages.send", kind="reset")  # the answer was lost: sent or not, nobody knows
    gmail.queue_fault("messages.send", status=429, reason="rateLimitExceeded", message="Too many requests")
    clock, start = Clock(), len(gmail.router.calls)
    assert run_until_sent(clock, email_id) == [Outcome.RETRY, Outcome.WAIT, Outcome.SENT]
    made = calls(gmail, start)
    # The first attempt's doubt is why both later attempts look in Sent; the 429 added none of its own.
    assert made["messages.list"] == 2
    assert made["messages.send"] == 3
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1


class RecordingGateway:
    """The real Gmail gateway, noting the window each Sent search was given (protocol MailGateway)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.windows: list[datetime] = []

    def find_sent_by_header(self, account: Any, header: str, value: str, sent_after: datetime) -> Any:
        self.windows.append(sent_after)
        return self.inner.find_sent_by_header(account, header, value, sent_after)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_the_search_is_bounded_by_the_uncertain_attempts_window(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    (email_id,) = queue(tenant, 1)
    gmail.queue_fault("messages.send", kind="reset")
    clock = Clock()
    clock.advance(15)  # the email waited before its first attempt (a quota, say); the send deadline is 20 s
    first_attempt = clock.now
    gateway = RecordingGateway(runtime.gateway())
    send = dispatcher(clock)
    send.gateway = gateway
    assert send.send(email_id).outcome == Outcome.RETRY
    clock.advance(60)
    assert send.send(email_id).outcome == Outcome.SENT
    (window,) = gateway.windows
    # From the doubtful attempt (less the allowed clock skew), not from the email's creation.
    assert window == first_attempt - SEARCH_SKEW
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1


def test_a_send_that_search_cannot_see_yet_is_confirmed_through_history_not_sent_twice(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    gmail.set_limits(search_lag_seconds=600)  # Gmail's index has not caught up with the send
    (email_id,) = queue(tenant, 1)
    gmail.queue_fault("messages.send", kind="reset_after")  # Gmail took it; the answer was lost
    clock, start = Clock(), len(gmail.router.calls)
    assert run_until_sent(clock, email_id) == [Outcome.RETRY, Outcome.SENT]
    made = calls(gmail, start)
    assert made["messages.send"] == 1  # found through history, so never sent a second time
    assert made["history.list"] >= 1
    (copy,) = sent_copies(gmail, tenant.account_email, str(email_id))
    assert email_row(email_id).provider_message_id == copy.id


def test_a_misconfigured_gmail_endpoint_holds_the_email_instead_of_failing_it(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    from workers.gmail.client import GmailGateway

    (email_id,) = queue(tenant, 1)
    settings = get_settings()
    wrong = GmailGateway(settings.model_copy(update={"gmail_api_url": settings.gmail_api_url + "/not-gmail"}))
    send = dispatcher(Clock())
    send.gateway = wrong
    result = send.send(email_id)
    assert result.outcome == Outcome.RETRY, result
    row = email_row(email_id)
    assert row.status.value == "PENDING" and row.uncertain_since is None  # held, and nothing was sent
    assert sent_copies(gmail, tenant.account_email, str(email_id)) == []


class SlowSearch(RecordingGateway):
    """Searching Sent takes longer than a claim may wait before sending (a big mailbox, a slow API)."""

    def __init__(self, inner: Any, clock: Clock, seconds: float) -> None:
        super().__init__(inner)
        self.clock, self.seconds = clock, seconds

    def find_sent_by_header(self, account: Any, header: str, value: str, sent_after: datetime) -> Any:
        self.clock.advance(self.seconds)
        return super().find_sent_by_header(account, header, value, sent_after)


def test_a_search_slower_than_half_the_lease_renews_the_claim_instead_of_looping(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    (email_id,) = queue(tenant, 1)
    gmail.queue_fault("messages.send", kind="reset")  # nothing sent, but nobody knows that
    clock = Clock()
    send = dispatcher(clock)
    assert send.send(email_id).outcome == Outcome.RETRY
    clock.advance(60)
    send.gateway = SlowSearch(runtime.gateway(), clock, send.policy.lease.total_seconds())
    assert send.send(email_id).outcome == Outcome.SENT  # before: "claim too old to send", forever
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1


def test_a_claim_taken_over_during_the_search_is_left_to_its_new_holder(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    (email_id,) = queue(tenant, 1)
    gmail.queue_fault("messages.send", kind="reset")
    clock = Clock()
    first = dispatcher(clock)
    assert first.send(email_id).outcome == Outcome.RETRY
    clock.advance(60)

    class TakenOver(RecordingGateway):
        def find_sent_by_header(self, account: Any, header: str, value: str, sent_after: datetime) -> Any:
            with session_scope() as session:  # another worker claims the send meanwhile
                row = session.get(OutboundEmail, email_id)
                assert row is not None
                row.attempt_token = uuid.uuid4()
                session.add(row)
            return super().find_sent_by_header(account, header, value, sent_after)

    first.gateway = TakenOver(runtime.gateway())
    assert first.send(email_id).outcome == Outcome.SKIPPED
    assert sent_copies(gmail, tenant.account_email, str(email_id)) == []  # the new holder sends, not this one
