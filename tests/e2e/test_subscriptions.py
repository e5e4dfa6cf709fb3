"""Live delivery status over WebSockets, served by real uvicorn on PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import wait_for
from tests.e2e.helpers import call, status_is
from tests.e2e.sockets import FROM_THE_START, GraphQLSocket
from tests.factories import Tenant, make_connected_tenant

SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) {
  __typename ... on EmailQueued { outboundEmail { id } } ... on MutationError { code message } } }"""
CREATE = """mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }"""
UPDATE = """mutation($id: ID!, $p: DraftPatch!) { updateDraft(id: $id, input: $p) { __typename } }"""
DELETE = """mutation($id: ID!) { deleteDraft(id: $id) { __typename } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


@pytest.fixture
async def api(live_api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_api, timeout=10) as http:
        yield http


@pytest.fixture
async def sockets(live_api: str) -> AsyncIterator[Any]:
    opened: list[GraphQLSocket] = []

    async def make(protocol: str = "graphql-transport-ws") -> GraphQLSocket:
        socket = GraphQLSocket(live_api, protocol)
        opened.append(socket)
        return socket

    yield make
    for socket in opened:
        await socket.close()


async def send(api: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> str:
    fields = {"accountId": str(tenant.account_id), "to": ["client@example.com"], "subject": "Hi", **fields}
    data = await call(api, tenant.token, SEND, input=fields)
    assert data["sendEmail"]["__typename"] == "EmailQueued", data
    return str(data["sendEmail"]["outboundEmail"]["id"])


async def draft(api: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> str:
    fields = {"accountId": str(tenant.account_id), "to": ["client@example.com"], "subject": "Draft", **fields}
    data = await call(api, tenant.token, CREATE, i=fields)
    return str(data["createDraft"]["outboundEmail"]["id"])


def is_sent(update: dict[str, Any]) -> bool:
    return update["event"] == "sent"


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_an_email_is_followed_from_creation_to_sent(api, sockets, tenant, worker, protocol) -> None:
    socket = await sockets(protocol)
    assert (await socket.open(tenant.token))["type"] == "connection_ack"
    context_id = str(uuid.uuid4())
    await socket.subscribe(filter={"contextId": context_id}, since=FROM_THE_START)
    email_id = await send(api, tenant, contextType="invoice", contextId=context_id)
    updates = await socket.updates_until(is_sent)
    assert [u["event"] for u in updates] == ["created", "queued", "attempt", "sent"]
    assert [u["kind"] for u in updates] == ["CREATED", "STATUS_CHANGED", "SEND_PROGRESS", "STATUS_CHANGED"]
    assert {u["emailId"] for u in updates} == {email_id}
    last = updates[-1]["outboundEmail"]
    assert last["status"] == "SENT" and last["account"]["email"] == tenant.account_email
    cursors = [u["cursor"] for u in updates]
    assert len(set(cursors)) == len(cursors)


async def test_connection_init_without_a_valid_token_is_refused(sockets, tenant) -> None:
    socket = await sockets()
    with pytest.raises(ConnectionClosed, match=r"^received 4403 ") as closed:
        await socket.open("not-a-token")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    anonymous = await sockets()
    with pytest.raises(ConnectionClosed, match=r"^received 4403 "):
        await anonymous.open(None)


async def test_the_legacy_protocol_reports_a_refused_token(sockets, tenant) -> None:
    socket = await sockets("graphql-ws")
    answer = await socket.open("wrong")
    assert answer["type"] == "connection_error"
    assert answer["payload"]["code"] == "UNAUTHENTICATED"


async def test_a_subscriber_sees_only_its_organization(api, sockets, tenant, gmail, worker) -> None:
    other = make_connected_tenant(gmail)
    mine, theirs, spy = await sockets(), await sockets(), await sockets()
    for socket, who in ((mine, tenant), (theirs, other), (spy, other)):
        await socket.open(who.token)
    await mine.subscribe(since=FROM_THE_START)
    theirs_op = await theirs.subscribe(since=FROM_THE_START)
    email_id = await send(api, tenant)
    await spy.subscribe(id=email_id, since=FROM_THE_START)  # another organization naming my email by id
    spy_own_op = await spy.subscribe(since=FROM_THE_START)
    await mine.updates_until(is_sent)
    # Every event of mine has been fanned out by now. A change in their organization comes after
    # them, and it must be the first thing their subscriptions see: nothing of mine came before it.
    signal = await draft(api, other)
    for socket, op in ((theirs, theirs_op), (spy, spy_own_op)):
        first = await socket.next_of(op)
        assert (first["emailId"], first["event"]) == (signal, "created")


async def test_filters_and_ids_narrow_the_stream(api, sockets, tenant, worker) -> None:
    by_status, by_id = await sockets(), await sockets()
    await by_status.open(tenant.token)
    await by_id.open(tenant.token)
    await by_status.subscribe(filter={"status": ["SENT"]}, since=FROM_THE_START)
    watched = await draft(api, tenant)
    watch_op = await by_id.subscribe(id=watched, since=FROM_THE_START)
    other = await send(api, tenant)
    first = await by_status.next_update()
    assert (first["event"], first["emailId"], first["outboundEmail"]["status"]) == ("sent", other, "SENT")
    await call(api, tenant.token, UPDATE, id=watched, p={"subject": "Changed"})
    created, changed = [await by_id.next_of(watch_op) for _ in range(2)]
    assert (created["kind"], created["emailId"]) == ("CREATED", watched)
    # An update carries the email as it is when the update is read, so it is read before the delete.
    assert (changed["kind"], changed["outboundEmail"]["id"]) == ("UPDATED", watched)
    await call(api, tenant.token, DELETE, id=watched)
    deleted = await by_id.next_of(watch_op)
    assert (deleted["kind"], deleted["emailId"], deleted["outboundEmail"]) == ("DELETED", watched, None)
    # Nothing follows the deletion: a later change, watched by a second subscription on the same
    # socket, is the next message there.
    context_id = str(uuid.uuid4())
    signal_op = await by_id.subscribe(filter={"contextId": context_id}, since=deleted["cursor"])
    signal = await draft(api, tenant, contextType="signal", contextId=context_id)
    after = await by_id.next_of(signal_op)
    assert (after["emailId"], after["event"]) == (signal, "created")


async def test_since_replays_what_was_missed_without_gap_or_duplicate(api, sockets, tenant, worker) -> None:
    first = await sockets()
    await first.open(tenant.token)
    await first.subscribe(since=FROM_THE_START)
    one = await send(api, tenant, subject="one")
    seen = await first.updates_until(is_sent)
    cursor = seen[-1]["cursor"]
    await first.close()

    two = await send(api, tenant, subject="two")  # while nobody listens
    await asyncio.to_thread(wait_for, status_is(two, "SENT"))
    three = await draft(api, tenant, subject="three")

    again = await sockets()
    await again.open(tenant.token)
    await again.subscribe(since=cursor)
    replayed = await again.updates_until(lambda u: u["emailId"] == three)
    assert [(u["emailId"], u["event"]) for u in replayed] == [
        (two, "created"),
        (two, "queued"),
        (two, "attempt"),
        (two, "sent"),
        (three, "created"),
    ]
    assert one not in {u["emailId"] for u in replayed}
    four = await send(api, tenant, subject="four")  # then it goes live, seamlessly
    live = await again.updates_until(is_sent)
    assert [u["emailId"] for u in live] == [four] * 4

    # Resubscribing from the middle of the replay gives exactly the rest.
    middle = replayed[1]["cursor"]
    third = await sockets()
    await third.open(tenant.token)
    await third.subscribe(since=middle)
    rest = await third.updates_until(lambda u: u["emailId"] == four and u["event"] == "sent")
    assert [(u["emailId"], u["event"]) for u in rest] == [(u["emailId"], u["event"]) for u in replayed[2:] + live]


async def test_a_bad_cursor_or_id_is_a_clear_error(sockets, tenant) -> None:
    socket = await sockets()
    await socket.open(tenant.token)
    for variables in ({"since": "yesterday"}, {"id": "not-an-id"}):
        op = await socket.subscribe(**variables)
        message = await socket.receive()
        assert message["id"] == op and message["type"] in {"next", "error"}, message
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] in {"INVALID_CURSOR", "INVALID_INPUT"}, errors
        assert await socket.receive() == {"id": op, "type": "complete"}


async def test_queries_over_a_websocket_are_sent_to_http(sockets, tenant) -> None:
    socket = await sockets()
    await socket.open(tenant.token)
    op = await socket.subscribe("{ mailAccounts { id } }")
    message = await socket.receive()
    assert message["id"] == op, message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "USE_HTTP", errors
