"""The push endpoint acts once per Pub/Sub message, only for a verified service account, and a push
can start a sync but never move the cursor: the cursor moves by what Gmail's history says."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest

from api.push import PUSH_PATH
from domain.records import MailAccount, PushReceipt
from tests.conftest import API_URL
from tests.factories import Tenant, make_connected_tenant
from workers import runtime
from workers.db import session_scope

URL = API_URL + PUSH_PATH


@pytest.fixture
def tenant(db: str, gmail, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def envelope(address: str, history_id: int, message_id: str | None) -> dict[str, Any]:
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode()).decode()
    message: dict[str, Any] = {"data": data}
    if message_id is not None:
        message["messageId"] = message_id
    return {"message": message, "subscription": "projects/p/subscriptions/s"}


def cursor(tenant: Tenant) -> int | None:
    with session_scope() as session:
        account = session.get(MailAccount, tenant.account_id)
        assert account is not None
        return account.history_id


def receipts() -> list[str]:
    with session_scope() as session:
        return [r.message_id for r in session.exec(PushReceipt.__table__.select()).all()]  # type: ignore[attr-defined]


async def test_a_forged_history_id_starts_a_sync_but_cannot_move_the_cursor(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    before = cursor(tenant)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            URL,
            json=envelope(tenant.account_email, 2**64 - 1, f"m-{uuid.uuid4().hex}"),
            headers={"Authorization": f"Bearer {gmail.pusher.token()}"},
        )
    assert response.status_code == 204
    runtime.syncer().sync(tenant.account_id)  # what the enqueued sync does
    after = cursor(tenant)
    assert after is not None and before is not None
    assert before <= after <= gmail.store.mailbox(tenant.account_email).history_id  # Gmail's, not the push's


@pytest.mark.parametrize("history_id", [0, -1, 2**64])
async def test_a_history_id_outside_uint64_is_acknowledged_and_ignored(tenant, gmail, history_id) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient() as http:
        response = await http.post(
            URL,
            json=envelope(tenant.account_email, history_id, f"m-{uuid.uuid4().hex}"),
            headers={"Authorization": f"Bearer {gmail.pusher.token()}"},
        )
    assert response.status_code == 204
    assert receipts() == []  # unreadable: nothing was acted on


async def test_each_pubsub_message_is_acted_on_once(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    message_id = f"m-{uuid.uuid4().hex}"
    body = envelope(tenant.account_email, 10**12, message_id)
    async with httpx.AsyncClient() as http:
        for _ in range(3):  # a redelivery, then a replay of the same token and body
            response = await http.post(URL, json=body, headers={"Authorization": f"Bearer {gmail.pusher.token()}"})
            assert response.status_code == 204
    assert receipts() == [message_id]


async def test_email_verified_must_be_the_boolean_true(tenant, gmail) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": URL,
        "email": gmail.push_config.service_account,
        "iat": now,
        "exp": now + 3600,
    }
    async with httpx.AsyncClient() as http:
        for verified in ("true", 1, None):
            token = gmail.signer.sign({**claims, "email_verified": verified})
            response = await http.post(
                URL,
                json=envelope(tenant.account_email, 10**12, f"m-{uuid.uuid4().hex}"),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 403, (verified, response.text)
        genuine = gmail.signer.sign({**claims, "email_verified": True})
        response = await http.post(
            URL,
            json=envelope(tenant.account_email, 10**12, f"m-{uuid.uuid4().hex}"),
            headers={"Authorization": f"Bearer {genuine}"},
        )
    assert response.status_code == 204
