"""Sending end to end: GraphQL -> PostgreSQL -> Dramatiq worker -> google-api-python-client -> emulator."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import wait_for
from tests.e2e.helpers import email_row, event_data, event_kinds, parsed, send, sent_copies, status_is
from tests.factories import Tenant, gql, make_connected_tenant


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


async def test_a_new_email_is_sent_once_and_recorded_with_gmails_ids(client, tenant, gmail, worker) -> None:
    result = await send(
        client,
        tenant.token,
        accountId=str(tenant.account_id),
        to=["client@example.com"],
        subject="Invoice INV-7",
        bodyText="Hello",
        contextType="invoice",
    )
    assert result["__typename"] == "EmailQueued"
    email_id = result["outboundEmail"]["id"]
    assert result["outboundEmail"]["status"] == "PENDING"
    row = wait_for(status_is(email_id, "SENT"))
    copies = sent_copies(gmail, tenant.account_email, email_id)
    assert len(copies) == 1
    assert row.provider_message_id == copies[0].id
    assert row.provider_thread_id == copies[0].thread_id
    assert row.message_id_header == copies[0].header("Message-ID")
    assert row.message_id_header.endswith("@mail.gmail.com>")
    assert row.sent_at is not None
    assert event_kinds(email_id) == ["created", "queued", "attempt", "sent"]
    assert event_data(email_id, "sent") == {  # the audit trail states what Gmail answered
        "provider_message_id": copies[0].id,
        "provider_thread_id": copies[0].thread_id,
        "message_id_header": copies[0].header("Message-ID"),
        "recovered_from_sent_mail": False,
    }


async def test_a_draft_is_sent_by_its_id(client, tenant, gmail, worker) -> None:
    created = await gql(
        client,
        """mutation($i: DraftInput!) { createDraft(input: $i) {
        ... on DraftSaved { outboundEmail { id } } } }""",
        {"i": {"accountId": str(tenant.account_id), "to": ["a@example.com"], "subject": "Draft"}},
        tenant.token,
    )
    draft_id = created["data"]["createDraft"]["outboundEmail"]["id"]
    result = await send(client, tenant.token, draftId=draft_id)
    assert result["outboundEmail"]["id"] == draft_id
    wait_for(status_is(draft_id, "SENT"))
    assert len(sent_copies(gmail, tenant.account_email, draft_id)) == 1
    mixed = await send(client, tenant.token, draftId=draft_id, subject="x")
    assert mixed["code"] == "INVALID_INPUT"


async def test_attachments_and_non_ascii_content_arrive_intact(client, tenant, gmail, worker) -> None:
    pdf = b"%PDF-1.4 \x00\x01 binary"
    result = await send(
        client,
        tenant.token,
        accountId=str(tenant.account_id),
        to=["zoë@example.com"],
        subject="Facture n°42 — réglement",
        bodyText="Merci beaucoup, à bientôt ✓",
        bodyHtml="<p>Merci <b>beaucoup</b></p>",
        attachments=[
            {
                "filename": "résumé 2026.pdf",
                "contentType": "application/pdf",
                "dataBase64": base64.b64encode(pdf).decode(),
            }
        ],
    )
    email_id = result["outboundEmail"]["id"]
    wait_for(status_is(email_id, "SENT"))
    message = parsed(sent_copies(gmail, tenant.account_email, email_id)[0].raw)
    assert message["Subject"] == "Facture n°42 — réglement"
    assert message.get_body(("plain",)).get_content().strip() == "Merci beaucoup, à bientôt ✓"
    assert "<b>beaucoup</b>" in message.get_body(("html",)).get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "résumé 2026.pdf"
    assert attachment.get_content() == pdf


async def test_the_same_idempotency_key_never_sends_twice(client, tenant, gmail, worker) -> None:
    fields = {
        "accountId": str(tenant.account_id),
        "to": ["a@example.com"],
        "subject": "Once",
        "idempotencyKey": "inv-1",
    }
    first = await send(client, tenant.token, **fields)
    second = await send(client, tenant.token, **fields)
    assert first["outboundEmail"]["id"] == second["outboundEmail"]["id"]
    wait_for(status_is(first["outboundEmail"]["id"], "SENT"))
    third = await send(client, tenant.token, **fields)
    assert third["outboundEmail"]["id"] == first["outboundEmail"]["id"]
    assert third["outboundEmail"]["status"] == "SENT"
    assert len(sent_copies(gmail, tenant.account_email, first["outboundEmail"]["id"])) == 1
    conflict = await send(client, tenant.token, **{**fields, "subject": "Different"})
    assert (conflict["__typename"], conflict["code"]) == ("IdempotencyConflictError", "IDEMPOTENCY_CONFLICT")


async def test_a_transient_gmail_error_is_retried_and_sends_once(client, tenant, gmail, worker) -> None:
    gmail.queue_fault("messages.send", status=503, reason="backendError", message="Backend Error")
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Retry")
    email_id = result["outboundEmail"]["id"]
    row = wait_for(status_is(email_id, "SENT"), timeout=15)
    assert row.attempt_count == 2
    assert event_kinds(email_id) == ["created", "queued", "attempt", "retried", "attempt", "sent"]
    assert len(sent_copies(gmail, tenant.account_email, email_id)) == 1


async def test_a_send_gmail_accepted_but_whose_answer_was_lost_is_found_in_sent_mail(
    client, tenant, gmail, worker
) -> None:
    gmail.queue_fault("messages.send", kind="reset_after")
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Lost")
    email_id = result["outboundEmail"]["id"]
    row = wait_for(status_is(email_id, "SENT"), timeout=15)
    assert len(sent_copies(gmail, tenant.account_email, email_id)) == 1
    assert row.provider_message_id == sent_copies(gmail, tenant.account_email, email_id)[0].id
    assert event_kinds(email_id)[-1] == "sent"
    assert "retried" in event_kinds(email_id)


async def test_a_timeout_is_retried_without_a_duplicate(client, tenant, gmail, worker) -> None:
    gmail.queue_fault("messages.send", kind="slow", seconds=3)  # processed, but answered after the 2 s timeout
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Slow")
    email_id = result["outboundEmail"]["id"]
    wait_for(status_is(email_id, "SENT"), timeout=20)
    assert len(sent_copies(gmail, tenant.account_email, email_id)) == 1


async def test_a_permanent_refusal_fails_the_email_and_retry_email_sends_it(client, tenant, gmail, worker) -> None:
    gmail.queue_fault("messages.send", status=400, reason="invalidArgument", message="Invalid To header")
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Bad")
    email_id = result["outboundEmail"]["id"]
    row = wait_for(status_is(email_id, "FAILED"))
    assert "Invalid To header" in row.error_message
    retried = await gql(
        client,
        """mutation($id: ID!) { retryEmail(id: $id) { __typename
        ... on EmailQueued { outboundEmail { status } } } }""",
        {"id": email_id},
        tenant.token,
    )
    assert retried["data"]["retryEmail"]["outboundEmail"]["status"] == "PENDING"
    wait_for(status_is(email_id, "SENT"))
    assert event_kinds(email_id)[-4:] == ["retried", "queued", "attempt", "sent"]
    again = await gql(
        client,
        """mutation($id: ID!) { retryEmail(id: $id) { __typename
        ... on MutationError { code } } }""",
        {"id": email_id},
        tenant.token,
    )
    assert again["data"]["retryEmail"] == {"__typename": "InvalidStateError", "code": "ILLEGAL_TRANSITION"}


async def test_a_revoked_account_needs_reauth_and_its_email_waits_instead_of_failing(
    client, tenant, gmail, worker
) -> None:
    gmail.revoke(tenant.account_email)
    gmail.store.mailbox(tenant.account_email)  # the mailbox stays; only the grant is gone
    for token in list(gmail.authority.tokens.values()):
        if token.grant.mailbox == tenant.account_email:
            token.expires_at = 0  # force a refresh, which Google answers with invalid_grant
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Rev")
    email_id = result["outboundEmail"]["id"]
    row = wait_for(lambda: (r := email_row(email_id)).wait_reason == "ACCOUNT_NEEDS_REAUTH" and r)
    assert row.status.value == "PENDING" and row.error_message is None  # it waits for a reconnect (issue 13)
    assert "waiting" in event_kinds(email_id)
    accounts = await gql(client, "{ mailAccounts { state stateReason } }", token=tenant.token)
    assert accounts["data"]["mailAccounts"][0]["state"] == "NEEDS_REAUTH"
    refused = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Again")
    assert refused["code"] == "ACCOUNT_NOT_ACTIVE"


async def test_a_gmail_rate_limit_makes_the_email_wait_not_fail(client, tenant, gmail, worker) -> None:
    gmail.queue_fault("messages.send", status=429, reason="rateLimitExceeded", message="User-rate limit exceeded.")
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Wait")
    email_id = result["outboundEmail"]["id"]
    wait_for(lambda: "rate_limited" in event_kinds(email_id))
    row = wait_for(status_is(email_id, "SENT"), timeout=20)
    assert row.error_message is None
    assert len(sent_copies(gmail, tenant.account_email, email_id)) == 1


async def test_an_email_over_the_daily_cap_waits_and_says_why(client, gmail, worker, db) -> None:
    tenant = make_connected_tenant(gmail, daily_send_cap=1)
    first = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="1")
    wait_for(status_is(first["outboundEmail"]["id"], "SENT"))
    second = await send(client, tenant.token, accountId=str(tenant.account_id), to=["b@example.com"], subject="2")
    email_id = second["outboundEmail"]["id"]
    wait_for(lambda: "rate_limited" in event_kinds(email_id))
    body = await gql(
        client,
        """query($id: ID!) { outboundEmail(id: $id) { status waitReason nextAttemptAt } }""",
        {"id": email_id},
        tenant.token,
    )
    shown = body["data"]["outboundEmail"]
    assert shown["status"] == "PENDING"
    assert "daily send cap of 1" in shown["waitReason"]
    sent_at = email_row(first["outboundEmail"]["id"]).sent_at
    from datetime import datetime, timedelta

    assert abs(datetime.fromisoformat(shown["nextAttemptAt"]) - (sent_at + timedelta(hours=24))) < timedelta(seconds=1)
    assert sent_copies(gmail, tenant.account_email, email_id) == []


async def test_suppressed_recipients_are_refused_unless_overridden(client, tenant, gmail, worker) -> None:
    await gql(client, 'mutation { suppressAddress(email: "gone@example.com") { __typename } }', token=tenant.token)
    refused = await send(client, tenant.token, accountId=str(tenant.account_id), to=["Gone@example.com"], subject="x")
    assert (refused["__typename"], refused["code"], refused["addresses"]) == (
        "RecipientSuppressedError",
        "RECIPIENT_SUPPRESSED",
        ["gone@example.com"],
    )
    allowed = await send(
        client,
        tenant.token,
        accountId=str(tenant.account_id),
        to=["gone@example.com"],
        subject="x",
        allowSuppressed=True,
    )
    wait_for(status_is(allowed["outboundEmail"]["id"], "SENT"))
    listed = await gql(client, "{ suppressedAddresses { email reason } }", token=tenant.token)
    assert listed["data"]["suppressedAddresses"] == [{"email": "gone@example.com", "reason": "added by hand"}]
    await gql(client, 'mutation { unsuppressAddress(email: "gone@example.com") { __typename } }', token=tenant.token)
    assert (await gql(client, "{ suppressedAddresses { email } }", token=tenant.token))["data"][
        "suppressedAddresses"
    ] == []
