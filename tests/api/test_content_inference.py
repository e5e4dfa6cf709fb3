"""prepareEmail in INFERENCE mode through the real `openai` client and the chat-completions emulator.

A grounded draft passes; an invented amount or link comes back in `errors` and sendEmail refuses
the text until it is edited; a model that is down or answers nonsense falls back to TEMPLATE.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from domain.records import EmailMessage
from sandbox.llm import DEFAULT_MODEL, ChatEmulator, Mode
from tests.content import PREPARE, SEND, data, push, register_invoice
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope
from workers.language_model import OpenAIChatModel

FALLBACK_SUBJECT = "Invoice {invoice_number}"
FALLBACK_BODY = "Please pay {amount_due} by {due_date}."


@pytest.fixture
def llm() -> Iterator[ChatEmulator]:
    with ChatEmulator(api_key="sk-test") as emulator:
        yield emulator


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


@pytest.fixture
def model_at(app):  # type: ignore[no-untyped-def]
    """Point this app's language model at a base URL (the real adapter, as settings would build it)."""

    def point(base_url: str) -> None:
        app.state.services.extras["language_model"] = OpenAIChatModel(base_url, DEFAULT_MODEL, "sk-test", timeout=5)

    return point


async def prepare(client, tenant: Tenant, entity: uuid.UUID, **extra: object) -> dict:  # type: ignore[no-untyped-def]
    variables = {
        "input": {
            "mode": "INFERENCE",
            "contextType": "invoice",
            "contextId": str(entity),
            "accountId": str(tenant.account_id),
            "subject": FALLBACK_SUBJECT,
            "bodyText": FALLBACK_BODY,
            **extra,
        }
    }
    return dict((await data(client, PREPARE, variables, tenant.token))["prepareEmail"])


@pytest.fixture
async def entity(client, tenant) -> uuid.UUID:  # type: ignore[no-untyped-def]
    await register_invoice(client, tenant.token)
    entity_id = uuid.uuid4()
    await push(client, tenant.token, entity_id)
    return entity_id


async def test_a_grounded_draft_passes(client, tenant, entity, llm, model_at) -> None:
    model_at(llm.base_url)
    prepared = await prepare(client, tenant, entity, promptHint="friendly tone")
    assert prepared["mode"] == "INFERENCE"
    assert prepared["model"] == "mailtrail-sandbox"
    assert prepared["errors"] == []
    assert prepared["subject"] == "Invoice INV-2024-001: $1,500.00 (March 15, 2024)"
    assert "Amount Due: $1,500.00" in prepared["bodyText"]
    assert prepared["bodyText"].endswith("Best regards,\nAcme")
    assert prepared["bodyHtml"].startswith("<html><body>\n<p>Hello Globex,</p>")
    prompt = llm.requests[-1]["messages"][1]["content"]
    assert "- Amount Due ({amount_due}): $1,500.00" in prompt
    assert "Sender: Acme <acme@example.com>" in prompt
    assert "Hint: friendly tone" in prompt


async def test_the_model_drafts_in_the_requested_language(client, tenant, entity, llm, model_at) -> None:
    model_at(llm.base_url)
    prepared = await prepare(client, tenant, entity, locale="fr")
    assert prepared["errors"] == []
    assert prepared["subject"] == "Invoice INV-2024-001: 1\u202f500,00\u00a0$US (15 mars 2024)"
    assert prepared["bodyText"].startswith("Bonjour Globex,")


@pytest.mark.parametrize(
    ("mode", "invented"),
    [(Mode.INVENT_AMOUNT, "$2,500.00"), (Mode.INVENT_LINK, "https://pay.invented.example/checkout/7731")],
)
async def test_an_invented_fact_is_caught_and_blocks_sending_until_edited(
    client, tenant, entity, llm, model_at, mode, invented
) -> None:
    model_at(llm.base_url)
    llm.set_mode(mode)
    prepared = await prepare(client, tenant, entity)
    assert prepared["mode"] == "INFERENCE"
    assert invented in [e["token"] for e in prepared["errors"]]
    assert {e["kind"] for e in prepared["errors"]} == {"UNGROUNDED_FACT"}
    email = {
        "accountId": str(tenant.account_id),
        "to": ["billing@globex.example"],
        "contextType": "invoice",
        "contextId": str(entity),
        "subject": prepared["subject"],
        "bodyText": prepared["bodyText"],
        "factCheck": True,
    }
    refused = (await data(client, SEND, {"input": email}, tenant.token))["sendEmail"]
    assert refused["code"] == "UNGROUNDED_FACTS"
    assert invented in refused["message"]
    edited = {  # the person fixes the amount and puts the real link in with a token
        **email,
        "subject": prepared["subject"].replace("$2,500.00", "$1,500.00"),
        "bodyText": prepared["bodyText"].replace("$2,500.00", "$1,500.00").replace(invented, "")
        + "\nPay: {payment_link}",
    }
    literal = (await data(client, SEND, {"input": edited}, tenant.token))["sendEmail"]
    assert literal["code"] == "UNRESOLVED_TOKENS"
    assert "{payment_link} would be sent as written" in literal["message"]
    queued = (await data(client, SEND, {"input": {**edited, "renderFromContext": True}}, tenant.token))["sendEmail"]
    assert queued["__typename"] == "EmailQueued"
    assert queued["outboundEmail"]["bodyText"].endswith("Pay: https://pay.example.com/inv/2024-001")
    assert queued["outboundEmail"]["renderedFrom"]["factCheck"] is True


@pytest.mark.parametrize("breakage", ["down", Mode.ERROR, Mode.GARBAGE])
async def test_when_the_model_fails_the_given_text_is_rendered_as_a_template(
    client, tenant, entity, llm, model_at, breakage
) -> None:
    if breakage == "down":
        model_at(llm.base_url)
        llm.stop()
    else:
        model_at(llm.base_url)
        llm.set_mode(breakage)
    prepared = await prepare(client, tenant, entity)
    assert prepared["mode"] == "TEMPLATE"
    assert prepared["subject"] == "Invoice INV-2024-001"
    assert prepared["bodyText"] == "Please pay $1,500.00 by March 15, 2024."
    assert prepared["errors"] == []
    assert prepared["fallbackReason"].startswith("the language model")


async def test_with_no_model_configured_inference_falls_back_and_says_why(client, tenant, entity) -> None:
    prepared = await prepare(client, tenant, entity)
    assert (prepared["mode"], prepared["fallbackReason"]) == ("TEMPLATE", "no language model is configured")
    empty = await prepare(client, tenant, entity, subject=None, bodyText=None)
    assert [e["kind"] for e in empty["errors"]] == ["MODEL_UNAVAILABLE"]


async def test_a_reply_shows_the_model_the_thread(client, tenant, entity, llm, model_at) -> None:
    raw = (
        b"From: Globex <billing@globex.example>\r\nTo: acme@example.com\r\nSubject: About INV-2024-001\r\n"
        b"Message-ID: <q1@globex.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"When is it due? We were told 2 weeks.\r\n"
    )
    with session_scope() as session:
        message = EmailMessage(
            organization_id=tenant.organization_id,
            account_id=tenant.account_id,
            gmail_id="g1",
            thread_id="t1",
            from_address="Globex <billing@globex.example>",
            subject="About INV-2024-001",
            message_id_header="<q1@globex.example>",
            raw=raw,
        )
        session.add(message)
        session.flush()
        message_id = str(message.id)
    model_at(llm.base_url)
    prepared = await prepare(client, tenant, entity, accountId=None, replyToMessageId=message_id)
    prompt = llm.requests[-1]["messages"][1]["content"]
    assert "This email replies to the thread below" in prompt
    assert "> When is it due? We were told 2 weeks." in prompt
    assert "Sender: Acme <acme@example.com>" in prompt  # the account that owns the thread
    assert prepared["errors"] == []
    stranger = make_tenant("rival")
    await register_invoice(client, stranger.token)
    await push(client, stranger.token, entity)
    refused = await gql(
        client,
        PREPARE,
        {
            "input": {
                "mode": "INFERENCE",
                "contextType": "invoice",
                "contextId": str(entity),
                "replyToMessageId": message_id,
            }
        },
        stranger.token,
    )
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert refused["errors"][0]["message"] == "the message to reply to was not found"
