"""An account that needs re-authorisation holds its emails (they wait, and reconnecting resumes
them, or they expire at sendBefore or the send deadline); a reply can be planned and keeps the
conversation's entity; a consumer Gmail account is capped at 500 a day from its connection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from domain.dispatch import Outcome
from domain.records import AccountState, MailAccount, OutboundEmailEvent
from domain.settings import get_settings
from tests.conftest import wait_for
from tests.e2e.helpers import email_row, event_kinds, send, sent_copies, status_is
from tests.e2e.notices import reply
from tests.e2e.test_send_control import Clock, dispatcher, queue
from tests.factories import Tenant, gql, make_connected_tenant, make_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope
from workers.scheduler import release_due_drafts

CONNECT = """mutation($hint: String) { connectMailAccount(loginHint: $hint) {
  ... on AuthorizationStarted { authorizationUrl } } }"""
WAITING = """query($id: ID!) { outboundEmail(id: $id) { status waitReason nextAttemptAt errorMessage } }"""


def revoke(gmail: Any, address: str) -> None:
    """The user revoked Mailtrail's access: the next token refresh gets invalid_grant."""
    gmail.revoke(address)
    for token in list(gmail.authority.tokens.values()):
        if token.grant.mailbox == address:
            token.expires_at = 0


async def reconnect(client: Any, tenant: Tenant) -> None:
    """The user goes through Google's consent again (the OAuth callback is served by the live API)."""
    body = await gql(client, CONNECT, {"hint": tenant.account_email}, tenant.token)
    url = body["data"]["connectMailAccount"]["authorizationUrl"]
    async with httpx.AsyncClient() as http:
        consent = await http.get(url)
        assert consent.status_code == 302
        done = await http.get(consent.headers["location"])
    assert done.status_code == 303, done.text


def account(account_id: uuid.UUID) -> MailAccount:
    with session_scope() as session:
        row = session.get(MailAccount, account_id)
        assert row is not None
        return row


async def test_emails_wait_for_a_reconnect_and_reconnecting_resumes_them(client, gmail, live_api, worker, db) -> None:
    tenant = make_connected_tenant(gmail)
    revoke(gmail, tenant.account_email)
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Hold")
    email_id = result["outboundEmail"]["id"]
    wait_for(lambda: email_row(email_id).wait_reason == "ACCOUNT_NEEDS_REAUTH")
    shown = (await gql(client, WAITING, {"id": email_id}, tenant.token))["data"]["outboundEmail"]
    assert (shown["status"], shown["waitReason"], shown["errorMessage"]) == ("PENDING", "ACCOUNT_NEEDS_REAUTH", None)
    queued_at = email_row(email_id).first_queued_at
    deadline = timedelta(seconds=get_settings().send_deadline_seconds)
    assert datetime.fromisoformat(shown["nextAttemptAt"]) == queued_at + deadline  # waits until the deadline
    assert account(tenant.account_id).state == AccountState.NEEDS_REAUTH
    assert "account_needs_reauth" in event_kinds(tenant.account_id)
    assert sent_copies(gmail, tenant.account_email, email_id) == []

    await reconnect(client, tenant)
    assert account(tenant.account_id).state == AccountState.ACTIVE
    wait_for(status_is(email_id, "SENT"))
    assert len(sent_copies(gmail, tenant.account_email, email_id)) == 1
    with session_scope() as session:
        reconnected = session.exec(
            select(OutboundEmailEvent).where(
                OutboundEmailEvent.email_id == tenant.account_id, OutboundEmailEvent.kind == "account_reconnected"
            )
        ).one()
    assert reconnected.data["resumed"] == 1
    kinds = event_kinds(email_id)
    assert kinds.index("waiting") < kinds.index("sent")


def test_an_email_waiting_for_reauth_expires_at_send_before_or_the_deadline(gmail, db) -> None:
    tenant = make_connected_tenant(gmail)
    clock = Clock()
    bounded = queue(tenant, send_before=clock.now + timedelta(seconds=10))
    unbounded = queue(tenant)
    with session_scope() as session:
        row = session.get(MailAccount, tenant.account_id)
        row.state = AccountState.NEEDS_REAUTH
        session.add(row)
    clock.now = datetime.now(UTC)
    for email_id in (bounded, unbounded):
        result = dispatcher(clock).send(email_id)
        assert result.outcome == Outcome.WAIT and email_row(email_id).wait_reason == "ACCOUNT_NEEDS_REAUTH"
    assert email_row(bounded).next_attempt_at == email_row(bounded).send_before
    clock.advance(11)
    assert dispatcher(clock).send(bounded).outcome == Outcome.FAILED
    assert email_row(bounded).error_message == "expired before it could be sent"
    assert dispatcher(clock).send(unbounded).outcome == Outcome.WAIT  # the deadline is further away
    clock.advance(get_settings().send_deadline_seconds)
    assert dispatcher(clock).send(unbounded).outcome == Outcome.FAILED
    assert "re-authorised" in (email_row(unbounded).error_message or "")
    assert sent_copies(gmail, tenant.account_email, str(unbounded)) == []


@pytest.fixture
def watched(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


REPLIES = """query($id: ID!) { outboundEmail(id: $id) { replies { id } } }"""
SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) { __typename
  ... on EmailQueued { outboundEmail { id status plannedSendAt contextType contextId replyToMessageId } }
  ... on MutationError { code message } } }"""


async def test_a_planned_reply_waits_for_its_time_and_keeps_the_conversations_entity(client, watched, gmail) -> None:
    invoice = str(uuid.uuid4())
    first = await send(
        client,
        watched.token,
        accountId=str(watched.account_id),
        to=["client@example.com"],
        subject="Invoice INV-7",
        contextType="invoice",
        contextId=invoice,
    )
    original = wait_for(status_is(first["outboundEmail"]["id"], "SENT"))
    gmail.inject(
        watched.account_email,
        reply(
            "client@example.com",
            watched.account_email,
            original.message_id_header,
            "Next week?",
            subject="Re: Invoice INV-7",
        ),
    )
    wait_for(lambda: email_row(original.id).delivery_status is not None)
    (theirs,) = (await gql(client, REPLIES, {"id": str(original.id)}, watched.token))["data"]["outboundEmail"][
        "replies"
    ]

    planned = datetime.now(UTC) + timedelta(hours=2)
    body = await gql(
        client,
        SEND,
        {"input": {"replyToMessageId": theirs["id"], "bodyText": "Of course.", "plannedSendAt": planned.isoformat()}},
        watched.token,
    )
    queued = body["data"]["sendEmail"]
    assert queued["__typename"] == "EmailQueued", queued
    answer = queued["outboundEmail"]
    assert answer["status"] == "DRAFT" and datetime.fromisoformat(answer["plannedSendAt"]) == planned.replace(
        microsecond=planned.microsecond
    )
    assert (answer["contextType"], answer["contextId"], answer["replyToMessageId"]) == (
        "invoice",
        invoice,
        theirs["id"],
    )
    assert sent_copies(gmail, watched.account_email, answer["id"]) == []  # not sent at once any more
    assert release_due_drafts(session_scope, planned + timedelta(seconds=1)) == [uuid.UUID(answer["id"])]
    assert dispatcher(Clock(planned + timedelta(seconds=2))).send(uuid.UUID(answer["id"])).outcome == Outcome.SENT
    sent = email_row(answer["id"])
    (copy,) = sent_copies(gmail, watched.account_email, answer["id"])
    assert copy.thread_id == original.provider_thread_id and sent.provider_thread_id == original.provider_thread_id

    explicit = await gql(
        client,
        SEND,
        {"input": {"replyToMessageId": theirs["id"], "bodyText": "PS", "contextType": "quote"}},
        watched.token,
    )
    shown = explicit["data"]["sendEmail"]["outboundEmail"]
    assert (shown["contextType"], shown["contextId"]) == ("quote", None)  # given: not inherited


async def test_a_consumer_gmail_account_is_capped_at_500_from_its_connection(client, gmail, live_api, db) -> None:
    org = make_tenant()
    address = f"owner.{uuid.uuid4().hex[:6]}@gmail.com"
    gmail.create_mailbox(address)
    body = await gql(client, CONNECT, {"hint": address}, org.token)
    async with httpx.AsyncClient() as http:
        consent = await http.get(body["data"]["connectMailAccount"]["authorizationUrl"])
        assert (await http.get(consent.headers["location"])).status_code == 303
    accounts = await gql(client, "{ mailAccounts { id email kind dailySendCap } }", token=org.token)
    (connected,) = [a for a in accounts["data"]["mailAccounts"] if a["email"] == address]
    assert (connected["kind"], connected["dailySendCap"]) == ("CONSUMER", 500)
    refused = await gql(
        client,
        """mutation($a: ID!) { setDailySendCap(accountId: $a, cap: 600) { __typename ... on MutationError { message } } }""",
        {"a": connected["id"]},
        org.token,
    )
    assert refused["data"]["setDailySendCap"]["__typename"] == "ValidationError"
    assert "500" in refused["data"]["setDailySendCap"]["message"]
