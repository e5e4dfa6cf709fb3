"""Many subscriptions, each to one email by `id`, in one organization: every commit reaches its watcher."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from domain.drafts import Limits, update_draft
from tests.api.test_direct_updates import hub_of, served
from tests.api.test_slow_subscribers import write_drafts
from tests.e2e.sockets import GraphQLSocket
from tests.factories import Tenant, make_tenant
from workers.db import session_scope

BY_ID = "subscription($id: ID) { outboundEmailUpdates(id: $id) { emailId outboundEmail { subject } } }"
SOCKETS = 4
PER_SOCKET = 25


def rename_each(tenant: Tenant, ids: list[str], subject: str) -> None:
    """One commit (one event, one NOTIFY) per draft, back to back."""
    for email_id in ids:
        with session_scope() as session:
            update_draft(
                session,
                tenant.organization_id,
                uuid.UUID(email_id),
                {"subject": subject},
                "test",
                Limits(max_recipients=100, max_attachments_bytes=1_000_000),
            )


async def watch_each(url: str, tenant: Tenant, ids: list[str]) -> list[tuple[GraphQLSocket, dict[str, str]]]:
    """`PER_SOCKET` subscriptions by id on each socket: (socket, {operation id: email id})."""
    watching = []
    for start in range(0, len(ids), PER_SOCKET):
        socket = GraphQLSocket(url)
        assert (await socket.open(tenant.token))["type"] == "connection_ack"
        ops = {await socket.subscribe(BY_ID, id=email_id): email_id for email_id in ids[start : start + PER_SOCKET]}
        watching.append((socket, ops))
    return watching


async def received(socket: GraphQLSocket, ops: dict[str, str], subject: str, within: float) -> dict[str, str]:
    """{operation id: email id} of the updates carrying `subject` that arrive within `within` seconds."""
    got: dict[str, str] = {}
    deadline = asyncio.get_running_loop().time() + within
    while len(got) < len(ops):
        try:
            message = await socket.receive(max(0.1, deadline - asyncio.get_running_loop().time()))
        except TimeoutError:
            break
        assert message["type"] == "next" and not message["payload"].get("errors"), message
        update = message["payload"]["data"]["outboundEmailUpdates"]
        if update["outboundEmail"]["subject"] == subject:
            got[message["id"]] = update["emailId"]
    return got


@pytest.mark.parametrize("token_cache_seconds", [30.0, 0.05], ids=["token-fresh", "token-rechecked-meanwhile"])
async def test_every_subscriber_by_id_gets_its_update_when_commits_come_back_to_back(
    settings: Any, token_cache_seconds: float
) -> None:
    tenant = make_tenant()
    ids = await asyncio.to_thread(write_drafts, tenant, SOCKETS * PER_SOCKET)
    async with served(settings.model_copy(update={"token_cache_seconds": token_cache_seconds})) as (url, app, _):
        watching = await watch_each(url, tenant, ids)
        await hub_of(app, len(ids))
        for subject in ("renamed once", "renamed twice"):
            await asyncio.to_thread(rename_each, tenant, ids, subject)
            results = await asyncio.gather(*(received(s, ops, subject, within=30) for s, ops in watching))
            for (_socket, ops), got in zip(watching, results, strict=True):
                assert got == ops, f"{len(ops) - len(got)} of {len(ops)} subscribers never got {subject!r}"
        for socket, _ops in watching:
            await socket.close()
