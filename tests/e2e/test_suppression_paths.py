"""Never to a hard-bounced address, on every path: schedule, retry, and in the worker before Gmail.

The request is refused with a typed RECIPIENT_SUPPRESSED when the address is already suppressed;
an address suppressed after the request (a bounce of an earlier email, or by hand) stops the
send in the worker, which FAILS the email naming the address. `allowSuppressed` given at request
time lets it go out, and the attempt's event says so.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, delete, select

from domain.dispatch import Dispatcher
from domain.drafts import DraftFields, Limits
from domain.ledger.precedence import DeliveryState
from domain.records import OutboundEmailEvent, OutboundRecipient
from domain.sending import SendRequest, request_send
from domain.settings import get_settings
from domain.suppression import suppress
from tests.e2e.helpers import email_row, send, sent_copies
from tests.factories import Tenant, gql, make_connected_tenant
from workers import runtime
from workers.db import session_scope
from workers.scheduler import release_due_drafts

BLOCKED = "gone@bounced.test"
RESULT = """__typename ... on DraftSaved { outboundEmail { id status plannedSendAt } }
  ... on MutationError { code message field } ... on RecipientSuppressedError { addresses }"""
CREATE = f"mutation($i: DraftInput!) {{ createDraft(input: $i) {{ {RESULT} }} }}"
SCHEDULE = f"""mutation($id: ID!, $at: DateTime!, $allow: Boolean! = false) {{
  scheduleDraft(id: $id, plannedSendAt: $at, allowSuppressed: $allow) {{ {RESULT} }} }}"""
RETRY = """mutation($id: ID!, $allow: Boolean) { retryEmail(id: $id, allowSuppressed: $allow) { __typename
  ... on EmailQueued { outboundEmail { id status } } ... on MutationError { code message }
  ... on RecipientSuppressedError { addresses } } }"""


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    block(tenant)
    return tenant


def block(tenant: Tenant, address: str = BLOCKED) -> None:
    with session_scope() as session:
        suppress(session, tenant.organization_id, address, "hard bounce: userunknown")


def later(seconds: int = 3600) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def create_draft(client: Any, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    fields = {"accountId": str(tenant.account_id), "to": ["ok@example.com", BLOCKED], "subject": "Reminder", **fields}
    body = await gql(client, CREATE, {"i": fields}, tenant.token)
    return dict(body["data"]["createDraft"])


def queued_without_a_worker(tenant: Tenant, to: list[str], allow: bool = False) -> uuid.UUID:
    """A PENDING email recorded as sendEmail records it, before any worker saw it."""
    with session_scope() as session:
        email, _ = request_send(
            session,
            tenant.organization_id,
            SendRequest(
                fields=DraftFields(account_id=tenant.account_id, to=to, subject="Queued", body_text="hi"),
                allow_suppressed=allow,
            ),
            "test",
            Limits(),
        )
        return email.id


def dispatcher_at(moment: datetime) -> Dispatcher:
    """The real dispatcher, with the clock at `moment` (a scheduled email is due then)."""
    return Dispatcher(
        sessions=session_scope,
        gateway=runtime.gateway(),
        decrypt=runtime.cipher().decrypt,
        policy=runtime.policy(get_settings()),
        clock=lambda: moment,
    )


def attempt_events(email_id: uuid.UUID) -> list[dict[str, Any]]:
    with session_scope() as session:
        rows = session.exec(
            OutboundEmailEvent.__table__.select().where(  # type: ignore[attr-defined]
                OutboundEmailEvent.email_id == email_id, OutboundEmailEvent.kind == "attempt"
            )
        ).all()
        return [dict(row.data) for row in rows]


async def test_scheduling_a_draft_to_a_suppressed_address_is_refused_and_changes_nothing(client, tenant) -> None:  # type: ignore[no-untyped-def]
    draft = (await create_draft(client, tenant))["outboundEmail"]
    body = await gql(client, SCHEDULE, {"id": draft["id"], "at": later().isoformat()}, tenant.token)
    refused = body["data"]["scheduleDraft"]
    assert refused["__typename"] == "RecipientSuppressedError", refused
    assert refused["code"] == "RECIPIENT_SUPPRESSED" and refused["addresses"] == [BLOCKED]
    row = email_row(draft["id"])
    assert row.status.value == "DRAFT" and row.planned_send_at is None


async def test_a_draft_created_with_a_planned_time_to_a_suppressed_address_is_refused(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    refused = await create_draft(client, tenant, plannedSendAt=later().isoformat())
    assert refused["__typename"] == "RecipientSuppressedError", refused
    assert refused["addresses"] == [BLOCKED]
    unscheduled = await create_draft(client, tenant)  # a plain draft is not a send request
    assert unscheduled["__typename"] == "DraftSaved"


async def test_a_scheduled_draft_whose_recipient_is_suppressed_meanwhile_fails_in_the_worker(
    client, tenant, gmail
) -> None:  # type: ignore[no-untyped-def]
    draft = (await create_draft(client, tenant, to=["late@bounced.test"]))["outboundEmail"]
    at = later(60)
    scheduled = await gql(client, SCHEDULE, {"id": draft["id"], "at": at.isoformat()}, tenant.token)
    assert scheduled["data"]["scheduleDraft"]["__typename"] == "DraftSaved", scheduled
    block(tenant, "late@bounced.test")  # an earlier email to it bounced hard, say
    assert release_due_drafts(session_scope, at + timedelta(seconds=1)) == [uuid.UUID(draft["id"])]
    result = dispatcher_at(at + timedelta(seconds=2)).send(uuid.UUID(draft["id"]))
    assert result.outcome.value == "failed"
    row = email_row(draft["id"])
    assert row.status.value == "FAILED"
    assert row.error_message is not None and "late@bounced.test" in row.error_message
    assert "suppressed after a hard bounce" in row.error_message
    assert sent_copies(gmail, tenant.account_email, draft["id"]) == []


async def test_a_queued_email_whose_recipient_is_suppressed_before_the_worker_runs_is_not_sent(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    email_id = queued_without_a_worker(tenant, ["ok@example.com", "queued@bounced.test"])
    block(tenant, "queued@bounced.test")
    assert runtime.dispatcher().send(email_id).outcome.value == "failed"
    row = email_row(email_id)
    assert row.status.value == "FAILED" and "queued@bounced.test" in (row.error_message or "")
    assert "ok@example.com" not in (row.error_message or "")
    assert sent_copies(gmail, tenant.account_email, str(email_id)) == []


async def test_retrying_a_failed_email_to_a_suppressed_address_is_refused_unless_allowed(client, tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    email_id = queued_without_a_worker(tenant, ["retry@bounced.test"])
    block(tenant, "retry@bounced.test")
    runtime.dispatcher().send(email_id)
    assert email_row(email_id).status.value == "FAILED"

    refused = (await gql(client, RETRY, {"id": str(email_id)}, tenant.token))["data"]["retryEmail"]
    assert refused["__typename"] == "RecipientSuppressedError", refused
    assert refused["addresses"] == ["retry@bounced.test"]
    assert email_row(email_id).status.value == "FAILED"

    allowed = (await gql(client, RETRY, {"id": str(email_id), "allow": True}, tenant.token))["data"]["retryEmail"]
    assert allowed["__typename"] == "EmailQueued", allowed
    assert runtime.dispatcher().send(email_id).outcome.value == "sent"
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1
    assert attempt_events(email_id)[-1]["suppressed_recipients_allowed"] == ["retry@bounced.test"]


async def test_allow_suppressed_at_request_time_sends_and_the_attempt_says_so(client, tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    refused = await send(client, tenant.token, accountId=str(tenant.account_id), to=[BLOCKED], subject="x")
    assert refused["code"] == "RECIPIENT_SUPPRESSED"
    result = await send(
        client, tenant.token, accountId=str(tenant.account_id), to=[BLOCKED], subject="x", allowSuppressed=True
    )
    email_id = uuid.UUID(result["outboundEmail"]["id"])
    block(tenant, "another@bounced.test")  # unrelated suppressions meanwhile change nothing
    assert runtime.dispatcher().send(email_id).outcome.value == "sent"
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1
    assert attempt_events(email_id) == [{"attempt": 1, "suppressed_recipients_allowed": [BLOCKED]}]


async def test_a_draft_scheduled_with_allow_suppressed_goes_out_when_due(client, tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    draft = (await create_draft(client, tenant))["outboundEmail"]
    at = later(60)
    body = await gql(client, SCHEDULE, {"id": draft["id"], "at": at.isoformat(), "allow": True}, tenant.token)
    assert body["data"]["scheduleDraft"]["__typename"] == "DraftSaved", body
    release_due_drafts(session_scope, at + timedelta(seconds=1))
    assert dispatcher_at(at + timedelta(seconds=2)).send(uuid.UUID(draft["id"])).outcome.value == "sent"
    assert len(sent_copies(gmail, tenant.account_email, draft["id"])) == 1


SEND = """mutation($i: SendEmailInput!) { sendEmail(input: $i) { __typename
  ... on EmailQueued { outboundEmail { id status } } ... on MutationError { code message }
  ... on RecipientSuppressedError { addresses } } }"""


async def test_send_email_names_exactly_the_suppressed_recipients_of_to_cc_and_bcc(client, tenant) -> None:  # type: ignore[no-untyped-def]
    """sendEmail reads the suppressions with the account (one statement): every field counts, case does
    not, an expired entry and another organization's entry do not refuse."""
    other = another_organization()
    with session_scope() as session:
        suppress(session, tenant.organization_id, "cc@bounced.test", "hard bounce")
        suppress(session, tenant.organization_id, "old@bounced.test", "soft bounces", expires_at=later(-60))
        suppress(session, other, "theirs@bounced.test", "hard bounce")
    fields = {
        "accountId": str(tenant.account_id),
        "to": ["ok@example.com", "Gone@Bounced.test"],
        "cc": ["CC@bounced.test", "old@bounced.test"],
        "bcc": ["theirs@bounced.test"],
        "subject": "Reminder",
    }
    refused = (await gql(client, SEND, {"i": fields}, tenant.token))["data"]["sendEmail"]
    assert refused["__typename"] == "RecipientSuppressedError"
    assert refused["addresses"] == ["cc@bounced.test", BLOCKED]
    fields.update(to=["ok@example.com"], cc=["old@bounced.test"])
    queued = (await gql(client, SEND, {"i": fields}, tenant.token))["data"]["sendEmail"]
    assert queued["__typename"] == "EmailQueued", queued
    assert queued["outboundEmail"]["status"] == "PENDING"


def another_organization() -> uuid.UUID:
    from domain.tokens import ensure_organization

    with session_scope() as session:
        return ensure_organization(session, f"other-{uuid.uuid4().hex[:8]}").id


async def test_a_non_ascii_address_suppressed_before_the_worker_runs_is_not_sent(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    # A non-ASCII address is stored as written while suppressions are stored lower-cased: the
    # claim's join cannot compare them, so the worker asks suppressed_among, which lower-cases.
    email_id = queued_without_a_worker(tenant, ["ok@example.com", "Jörg@bounced.test"])
    assert email_row(email_id).to == ["ok@example.com", "Jörg@bounced.test"]
    block(tenant, "jörg@bounced.test")
    assert runtime.dispatcher().send(email_id).outcome.value == "failed"
    assert "jörg@bounced.test" in (email_row(email_id).error_message or "")
    assert sent_copies(gmail, tenant.account_email, str(email_id)) == []


def drop_ledger_rows(email_id: uuid.UUID) -> None:
    """Make the email look as one written before the recipients' ledger existed."""
    with session_scope() as session:
        session.exec(delete(OutboundRecipient).where(col(OutboundRecipient.email_id) == email_id))


async def test_an_email_without_ledger_rows_is_still_checked_for_suppressions(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    email_id = queued_without_a_worker(tenant, ["ok@example.com", "old@bounced.test"])
    drop_ledger_rows(email_id)
    block(tenant, "old@bounced.test")
    assert runtime.dispatcher().send(email_id).outcome.value == "failed"
    assert "old@bounced.test" in (email_row(email_id).error_message or "")
    assert sent_copies(gmail, tenant.account_email, str(email_id)) == []


async def test_an_email_without_ledger_rows_gets_them_marked_sent_when_sent(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    email_id = queued_without_a_worker(tenant, ["ok@example.com", "cc@example.com"])
    drop_ledger_rows(email_id)
    assert runtime.dispatcher().send(email_id).outcome.value == "sent"
    with session_scope() as session:
        rows = session.exec(select(OutboundRecipient).where(OutboundRecipient.email_id == email_id)).all()
    assert sorted((r.address, r.delivery_state) for r in rows) == [
        ("cc@example.com", DeliveryState.SENT),
        ("ok@example.com", DeliveryState.SENT),
    ]
    assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1
