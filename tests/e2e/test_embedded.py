"""`make run`'s service, as a newcomer gets it: one process on SQLite with the emulator, a worker and
the scheduler inside; a draft is sent end to end, a `.invalid` recipient bounces back into the
sender's mailbox and is linked, and a subscription (the in-process bus) sees it all happen."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.helpers import wait_healthy
from tests.e2e.sockets import FROM_THE_START, GraphQLSocket

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "mt_demo_embedded_test_token_0123456789"


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[str]:
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILTRAIL_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "MAILTRAIL_EMBEDDED": "1",
            "MAILTRAIL_BROKER_URL": "stub://",
            "MAILTRAIL_DATABASE_URL": f"sqlite:///{tmp_path}/mailtrail.db",
            "MAILTRAIL_PORT": str(port),
            "MAILTRAIL_SANDBOX_PORT": str(sandbox_port),
            "MAILTRAIL_DEMO_TOKEN": TOKEN,
            "MAILTRAIL_LOG_LEVEL": "WARNING",
        }
    )
    subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"], cwd=tmp_path, env=env, check=True, timeout=60, capture_output=True
    )
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, tmp_path / "serve.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert TOKEN in output and f"{url}/graphql" in output, output  # the banner a newcomer reads
    assert "Language model:     mailtrail-sandbox (offline emulator)" in output, output
    assert "Traceback" not in output, output


async def gql(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return dict(body["data"])


async def test_make_run_sends_a_draft_and_the_invalid_recipient_bounces_back(embedded: str) -> None:
    socket = GraphQLSocket(embedded)
    async with httpx.AsyncClient(base_url=embedded, timeout=10) as http:
        accounts = (await gql(http, "{ mailAccounts { id email state } }"))["mailAccounts"]
        assert [(a["email"], a["state"]) for a in accounts] == [("demo@mailtrail.test", "ACTIVE")]
        assert (await socket.open(TOKEN))["type"] == "connection_ack"
        await socket.subscribe(since=FROM_THE_START)  # a fresh database: its whole trail
        draft = await gql(
            http,
            """mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }""",
            i={
                "accountId": accounts[0]["id"],
                "to": ["client@example.com", "nobody@nowhere.invalid"],
                "subject": "Invoice 42",
                "bodyText": "Please find it attached.",
                "contextType": "invoice",
            },
        )
        email_id = draft["createDraft"]["outboundEmail"]["id"]
        sent = await gql(
            http, """mutation($i: SendEmailInput!) { sendEmail(input: $i) { __typename } }""", i={"draftId": email_id}
        )
        assert sent["sendEmail"]["__typename"] == "EmailQueued"
        updates = await socket.updates_until(lambda u: u["event"] == "bounce_detected", within=30)
        assert [u["event"] for u in updates] == [
            "created",
            "queued",
            "attempt",
            "sent",
            "sent_copy_linked",
            "bounce_detected",
        ]
        final = updates[-1]["outboundEmail"]
        assert final["status"] == "SENT" and final["deliveryStatus"] == "bounce_detected"
        assert [r["email"] for r in final["bounceDetails"]["bouncedRecipients"]] == ["nobody@nowhere.invalid"]
        assert final["bounceDetails"]["bouncedRecipients"][0]["statusCode"] == "5.1.1"
        mailbox = await gql(http, "{ emailMessages { subject isBounce direction } }")
        subjects = {(m["subject"], m["isBounce"]) for m in mailbox["emailMessages"]}
        assert ("Invoice 42", False) in subjects
        assert ("Delivery Status Notification (Failure)", True) in subjects
        story = await gql(  # the per-entity view on the embedded SQLite too
            http,
            """{ emailContext(contextType: "invoice") { counts { total sent bounceDetected recipients { sent bounced } }
              bouncingRecipients { address reason permanence } lastActivityAt emails { totalCount }
              timeline(first: 2) { edges { node { kind } } pageInfo { hasNextPage } } } }""",
        )
        context = story["emailContext"]
        assert context["counts"] == {
            "total": 1,
            "sent": 1,
            "bounceDetected": 1,
            "recipients": {"sent": 1, "bounced": 1},
        }
        assert context["bouncingRecipients"] == [
            {"address": "nobody@nowhere.invalid", "reason": "userunknown", "permanence": "HARD"}
        ]
        assert context["emails"]["totalCount"] == 1 and context["lastActivityAt"] is not None
        assert len(context["timeline"]["edges"]) == 2 and context["timeline"]["pageInfo"]["hasNextPage"]
    await socket.close()


async def test_make_run_drafts_with_the_offline_language_model_labelled_as_the_sandbox(embedded: str) -> None:
    fields = [
        {"key": "invoice_number", "label": "Invoice Number", "type": "STR"},
        {"key": "amount_due", "label": "Amount Due", "type": "CURRENCY"},
    ]
    entity = "5b0a4c4e-2b1e-4a55-9d1c-6a0f3c2f1e10"
    async with httpx.AsyncClient(base_url=embedded, timeout=10) as http:
        registered = await gql(
            http,
            "mutation($i: RegisterContextTypeInput!) { registerContextType(input: $i) { __typename } }",
            i={"contextType": "invoice", "fields": fields},
        )
        assert registered["registerContextType"]["__typename"] == "ContextTypeSaved"
        await gql(
            http,
            'mutation($id: UUID!, $d: JSON!) { putContextEntity(contextType: "invoice", contextId: $id, data: $d) {'
            " __typename } }",
            id=entity,
            d={"invoice_number": "INV-42", "amount_due": {"amount": "99.50", "currency": "EUR"}},
        )
        prepared = await gql(
            http,
            "query($i: PrepareEmailInput!) { prepareEmail(input: $i) { subject mode model errors { token } } }",
            i={"mode": "INFERENCE", "contextType": "invoice", "contextId": entity},
        )
    assert prepared["prepareEmail"] == {
        "subject": "Invoice INV-42: €99.50",
        "mode": "INFERENCE",
        "model": "mailtrail-sandbox",
        "errors": [],
    }
