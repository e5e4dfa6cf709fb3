"""uvicorn's WebSocket keepalive on the loop's shared alarms (api.alarms, api.wsprotocol): a client that
answers pings stays connected, one that does not is closed, and a closed socket leaves no alarm."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from websockets.asyncio.client import connect

from api.alarms import alarms
from api.app import create_app
from api.wsprotocol import MailtrailWebSocketProtocol, websocket_options
from tests.conftest import free_port, wait_until

INTERVAL, TIMEOUT = 0.2, 0.3


@contextlib.asynccontextmanager
async def pinging(settings: Any) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    """The app under real uvicorn in this loop, pinging every INTERVAL s and waiting TIMEOUT s for the pong."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws_ping_interval=INTERVAL,
        ws_ping_timeout=TIMEOUT,
        **websocket_options(settings),
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started or serving.done())
        assert server.started, "uvicorn did not start"
        yield port, server
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)


def sockets(server: uvicorn.Server) -> list[MailtrailWebSocketProtocol]:
    return [c for c in server.server_state.connections if isinstance(c, MailtrailWebSocketProtocol)]


async def test_a_client_answering_pings_stays_and_leaves_no_alarm_behind(settings: Any) -> None:
    async with pinging(settings) as (port, server):
        async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await wait_until(lambda: len(sockets(server)) == 1)
            (protocol,) = sockets(server)
            clock = alarms(asyncio.get_running_loop())
            pinged: set[float] = set()
            for _ in range(12):  # 1.2 s: several intervals, each longer than the time a pong may take
                await asyncio.sleep(0.1)
                pinged.add(protocol.ping_sent_at)
            assert len(pinged - {0.0}) >= 3  # pinged again and again, the pongs in time
            assert not ws.close_code and sockets(server) == [protocol]
            assert clock.is_set(protocol) or protocol.pong_timer is not None  # waiting for its next ping or pong
        await wait_until(lambda: not sockets(server))
        assert not clock.is_set(protocol)  # its alarm went with it


async def test_a_client_that_never_answers_a_ping_is_closed(settings: Any) -> None:
    async with pinging(settings) as (port, server):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101")
        await wait_until(lambda: len(sockets(server)) == 1)
        (protocol,) = sockets(server)
        received = await asyncio.wait_for(reader.read(), 10)  # till the server closes: pings, then a close
        assert received[:1] == b"\x89"  # a ping came first (FIN + opcode 9), unanswered
        assert b"\x88" in received  # then the close frame (1011, keepalive ping timeout)
        await wait_until(lambda: not sockets(server))
        assert not alarms(asyncio.get_running_loop()).is_set(protocol)
        writer.close()
