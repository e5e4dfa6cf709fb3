"""Updates written as one frame encoded once for every socket (api.wsprotocol, api.fanout): the same
bytes the ordinary path sends, never ahead of a write still waiting, never to a compressed socket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from api.app import create_app
from api.wsprotocol import Gate, Inbox, MailtrailWebSocketProtocol, text_frame, websocket_options
from tests.api.test_direct_updates import UPDATES, hub_of
from tests.api.test_slow_subscribers import write_drafts
from tests.conftest import free_port, wait_until
from tests.e2e.sockets import GraphQLSocket
from tests.factories import Tenant, make_tenant


@contextlib.asynccontextmanager
async def served(settings: Any) -> AsyncIterator[tuple[str, Any, uvicorn.Server]]:
    """The app under real uvicorn in this event loop, with the WebSocket options `mailtrail serve` uses."""
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **websocket_options(settings)
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started or serving.done())
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}", app, server
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)


class RawTextSocket(GraphQLSocket):
    """GraphQLSocket without per-message compression (as the benchmark's and many non-browser clients
    connect), keeping each message's exact text."""

    async def open(self, token: str | None, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.ws = await connect(self.url, subprotocols=[self.protocol], compression=None)  # type: ignore[list-item]
        await self.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        return await self.receive()

    async def next_text(self, within: float = 10.0) -> str:
        """The next message exactly as sent (pings and pongs are answered by the client library)."""
        assert self.ws is not None
        text = await asyncio.wait_for(self.ws.recv(), within)
        assert isinstance(text, str)
        return text


async def subscribed(url: str, tenant: Tenant, compressed: bool = False) -> GraphQLSocket:
    socket = GraphQLSocket(url) if compressed else RawTextSocket(url)
    assert (await socket.open(tenant.token))["type"] == "connection_ack"
    await socket.subscribe(UPDATES)
    return socket


async def raw_text(socket: GraphQLSocket) -> str:
    assert socket.ws is not None
    text = await asyncio.wait_for(socket.ws.recv(), 10)
    assert isinstance(text, str)
    return text


def server_side(server: uvicorn.Server, socket: GraphQLSocket) -> MailtrailWebSocketProtocol:
    """The server's protocol object for a client's connection (matched by the client's address)."""
    assert socket.ws is not None
    address = socket.ws.transport.get_extra_info("sockname")[:2]
    (found,) = [
        connection
        for connection in server.server_state.connections
        if isinstance(connection, MailtrailWebSocketProtocol) and connection.client == address
    ]
    return found


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 300_000])
def test_a_text_frame_reads_back_as_the_same_final_text_message(size: int) -> None:
    data = b"{" * size
    frame = read_frame(text_frame(data))
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.TEXT, True, data)


def read_frame(raw: bytes) -> Frame:
    """`raw` read by the websockets library as a client reads a server's frame (whole, unmasked)."""
    reader = StreamReader()
    reader.feed_data(raw)
    parsing = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parsing)
    except StopIteration as done:
        frame: Frame = done.value
        return frame
    raise AssertionError("the frame needs more bytes than it has")


async def test_one_frame_reaches_every_uncompressed_socket_and_a_compressed_one_gets_the_same_text(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings) as (url, app, _server):
        plain = [await subscribed(url, tenant) for _ in range(3)]
        compressed = await subscribed(url, tenant, compressed=True)  # deflate negotiated: frames its own
        hub = await hub_of(app, 4)
        (email_id,) = await asyncio.to_thread(write_drafts, tenant, 1)
        texts = [await raw_text(socket) for socket in (*plain, compressed)]
        assert email_id in texts[0]
        assert texts == [texts[0]] * 4  # the shared frame carries exactly what the ordinary path sends
        assert (hub.direct_writes, hub.shared_frames) == (4, 3)


async def test_a_socket_under_back_pressure_gets_its_updates_in_order_once_it_drains_and_holds_up_no_one(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings) as (url, app, server):
        slow, *fast = [await subscribed(url, tenant) for _ in range(3)]
        hub = await hub_of(app, 3)
        choked = server_side(server, slow)
        choked.pause_writing()  # what the transport calls when its buffer passes the high-water mark
        ids = []
        for n in range(2):
            (email_id,) = await asyncio.to_thread(write_drafts, tenant, 1)
            ids.append(email_id)
            for socket in fast:
                assert (await socket.next_update())["emailId"] == email_id
            # The fast ones took it as the shared frame; the choked one's waits in its own send.
            assert (hub.direct_writes, hub.shared_frames) == (3 * (n + 1), 2 * (n + 1))
        choked.resume_writing()
        assert [(await slow.next_update())["emailId"] for _ in ids] == ids
        (later,) = await asyncio.to_thread(write_drafts, tenant, 1)
        assert (await slow.next_update())["emailId"] == later
        assert hub.shared_frames == 2 * 2 + 3  # drained: the shared frame again


async def test_the_inbox_gives_items_in_order_and_wakes_its_reader() -> None:
    inbox = Inbox()
    reading = asyncio.create_task(inbox.get())
    await wait_until(lambda: inbox._waiter is not None)
    inbox.put_nowait("a")
    inbox.put_nowait("b")
    assert await reading == "a"
    assert not inbox.empty()
    assert await inbox.get() == "b"
    assert inbox.empty()


async def test_the_gate_wakes_its_waiters_in_order_and_one_cancelled_waiter_stops_no_other() -> None:
    gate = Gate()
    gate.clear()
    started: list[int] = []
    woken: list[int] = []

    async def waiter(n: int) -> None:
        started.append(n)  # and on to the gate in the same step: counted means waiting
        await gate.wait()
        woken.append(n)

    tasks = [asyncio.create_task(waiter(n)) for n in range(3)]
    await wait_until(lambda: len(started) == 3)
    tasks[1].cancel()
    gate.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert woken == [0, 2]
    assert gate.is_set()
    await gate.wait()  # open: returns at once
