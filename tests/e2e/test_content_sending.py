"""Content end to end: GraphQL -> PostgreSQL -> Dramatiq worker -> google-api-python-client -> emulator.

An email rendered from a template goes out with the formatted values and records the data it was
rendered from; a scheduled reminder whose send condition stops holding (the invoice was paid)
is not sent, whether the invoice is pushed or read from the app's provider.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import wait_for
from tests.content import CREATE_DRAFT, INVOICE, SEND, create_template, data, push, register_invoice
from tests.e2e.helpers import email_row, event_kinds, parsed, sent_copies, status_is
from tests.factories import Tenant, make_connected_tenant
from tests.provider_server import ProviderServer

UNPAID = [
    {"field": "status", "op": "NOT_IN", "value": ["paid", "void"]},
    {"field": "amount_due", "op": "GT", "value": 0},
]


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def body_of(gmail, tenant: Tenant, email_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    message = parsed(sent_copies(gmail, tenant.account_email, email_id)[0].raw)
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    return str(message["Subject"]), str(text.get_content())


async def test_an_email_sent_from_a_template_carries_the_formatted_values(client, tenant, gmail, worker) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    pushed = await push(client, tenant.token, entity)
    template = (await create_template(client, tenant.token))["emailTemplate"]
    sent = await data(
        client,
        SEND,
        {
            "input": {
                "accountId": str(tenant.account_id),
                "to": ["billing@globex.example"],
                "contextType": "invoice",
                "contextId": str(entity),
                "templateId": template["id"],
            }
        },
        tenant.token,
    )
    email = sent["sendEmail"]["outboundEmail"]
    wait_for(status_is(email["id"], "SENT"))
    subject, text = body_of(gmail, tenant, email["id"])
    assert subject == "Invoice INV-2024-001: $1,500.00 due March 15, 2024"
    assert "Invoice INV-2024-001 for $1,500.00 is due on March 15, 2024." in text
    assert "{" not in subject + text
    assert email["renderedFrom"]["dataHash"] == pushed["contextEntity"]["dataHash"]
    assert (email["renderedFrom"]["templateId"], email["renderedFrom"]["templateVersion"]) == (template["id"], 1)


async def test_a_french_email_is_sent_with_french_formats(client, tenant, gmail, worker) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    await push(client, tenant.token, entity)
    sent = await data(
        client,
        SEND,
        {
            "input": {
                "accountId": str(tenant.account_id),
                "to": ["billing@globex.example"],
                "contextType": "invoice",
                "contextId": str(entity),
                "renderFromContext": True,
                "locale": "fr",
                "subject": "Facture {invoice_number} : {amount_due} avant le {due_date}",
                "bodyText": "Bonjour {client_name}",
            }
        },
        tenant.token,
    )
    email_id = sent["sendEmail"]["outboundEmail"]["id"]
    wait_for(status_is(email_id, "SENT"))
    subject, _ = body_of(gmail, tenant, email_id)
    assert subject == "Facture INV-2024-001 : 1\u202f500,00\u00a0$US avant le 15 mars 2024"


async def schedule_reminder(client, tenant: Tenant, entity: uuid.UUID, template_id: str, seconds: float) -> str:  # type: ignore[no-untyped-def]
    planned = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
    created = await data(
        client,
        CREATE_DRAFT,
        {
            "input": {
                "accountId": str(tenant.account_id),
                "to": ["billing@globex.example"],
                "contextType": "invoice",
                "contextId": str(entity),
                "templateId": template_id,
                "sendCondition": UNPAID,
                "plannedSendAt": planned,
            }
        },
        tenant.token,
    )
    return str(created["createDraft"]["outboundEmail"]["id"])


async def test_a_scheduled_reminder_is_not_sent_once_the_invoice_is_pushed_as_paid(
    client, tenant, gmail, scheduler
) -> None:
    await register_invoice(client, tenant.token)
    paid, unpaid = uuid.uuid4(), uuid.uuid4()
    await push(client, tenant.token, paid)
    await push(client, tenant.token, unpaid)
    template = (await create_template(client, tenant.token))["emailTemplate"]
    chased = await schedule_reminder(client, tenant, unpaid, template["id"], 1.5)
    spared = await schedule_reminder(client, tenant, paid, template["id"], 1.5)
    await push(
        client, tenant.token, paid, {**INVOICE, "status": "paid", "amount_due": {"amount": "0", "currency": "USD"}}
    )
    failed = wait_for(status_is(spared, "FAILED", "SENT"), timeout=15)
    assert failed.status.value == "FAILED"
    assert failed.error_message == "not sent: invoice status is paid (the send condition needs not in paid, void)"
    # The worker claims it (attempt), then its guard, outside the claim's locks, refuses it.
    assert event_kinds(spared) == ["created", "scheduled", "queued", "attempt", "failed"]
    assert sent_copies(gmail, tenant.account_email, spared) == []
    wait_for(status_is(chased, "SENT"), timeout=15)
    assert len(sent_copies(gmail, tenant.account_email, chased)) == 1


async def test_the_guard_reads_the_apps_provider_afresh_before_sending(client, tenant, gmail, worker) -> None:
    server = ProviderServer().start()
    try:
        registered = await register_invoice(client, tenant.token, providerUrl=server.url)
        server.secret = registered["providerSecret"]
        entity = uuid.uuid4()
        server.entities[("invoice", str(entity))] = dict(INVOICE)
        template = (await create_template(client, tenant.token))["emailTemplate"]
        draft_id = await schedule_reminder(client, tenant, entity, template["id"], 3600)
        assert email_row(draft_id).subject.startswith("Invoice INV-2024-001")
        server.entities[("invoice", str(entity))] = {**INVOICE, "status": "void"}  # the cached read said "open"
        sent = await data(
            client,
            "mutation($id: ID!) { unscheduleDraft(id: $id) { __typename } }",
            {"id": draft_id},
            tenant.token,
        )
        assert sent["unscheduleDraft"]["__typename"] == "DraftSaved"
        queued = await data(client, SEND, {"input": {"draftId": draft_id}}, tenant.token)
        assert queued["sendEmail"]["__typename"] == "EmailQueued"
        row = wait_for(status_is(draft_id, "FAILED", "SENT"))
        assert row.error_message == "not sent: invoice status is void (the send condition needs not in paid, void)"
        assert all(request["signed"] for request in server.requests)
        assert len(server.requests) == 2  # the draft's render, then the guard's fresh read
    finally:
        server.stop()
