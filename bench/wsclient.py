"""A minimal graphql-transport-ws subscriber on a bare asyncio protocol, for thousands of sockets.

A full WebSocket client costs the benchmark process more per message than the server spends on
it, so with thousands of subscribers on two cores it would measure itself. This one does only
what the protocol needs (RFC 6455 handshake, masked client frames, pong), stamps each frame with
its arrival time before anything else, and keeps a few hundred bytes per connection.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Callable
from typing import Any

Arrival = Callable[[dict[str, Any], float], None]


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame (RFC 6455 section 5.2)."""
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, 0x80 | size])
    elif size < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    mask = os.urandom(4)
    keystream = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(size, "big")
    return header + mask + masked


class Subscriber(asyncio.Protocol):
    """One WebSocket running one subscription; `on_next(payload, arrived_at)` per update."""

    def __init__(self, host: str, token: str, query: str, variables: dict[str, Any], on_next: Arrival) -> None:
        self.host = host
        self.token = token
        self.query = query
        self.variables = variables
        self.on_next = on_next
        self.buffer = bytearray()
        self.upgraded = False
        self.subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.errors: list[Any] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET /graphql HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
            ).encode()
        )

    def send(self, message: dict[str, Any]) -> None:
        assert self.transport is not None
        self.transport.write(frame(0x1, json.dumps(message).encode()))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buffer[:end]:
                self._fail(RuntimeError(bytes(self.buffer[:end]).decode(errors="replace")))
                return
            del self.buffer[: end + 4]
            self.upgraded = True
            self.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}})
        while len(self.buffer) >= 2:
            opcode, size, start = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if size == 126:
                size, start = int.from_bytes(self.buffer[2:4], "big"), 4
            elif size == 127:
                size, start = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < start + size:
                return
            payload = bytes(self.buffer[start : start + size])
            del self.buffer[: start + size]
            if opcode == 0x1:
                self._text(json.loads(payload), now)
            elif opcode == 0x9:  # ping: uvicorn closes a socket that does not answer
                assert self.transport is not None
                self.transport.write(frame(0xA, payload))
            elif opcode == 0x8:
                self._fail(ConnectionError(f"closed by the server: {payload[2:].decode(errors='replace')}"))

    def _text(self, message: dict[str, Any], now: float) -> None:
        kind = message.get("type")
        if kind == "next":
            self.on_next(message["payload"], now)
        elif kind == "connection_ack":
            payload = {"query": self.query, "variables": self.variables}
            self.send({"id": "1", "type": "subscribe", "payload": payload})
            if not self.subscribed.done():
                self.subscribed.set_result(None)
        elif kind == "ping":
            self.send({"type": "pong"})
        else:
            self.errors.append(message)

    def _fail(self, error: Exception) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(error)
        self.errors.append(str(error))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(exc or ConnectionError("connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()


async def open_many(
    port: int, token: str, query: str, variables: list[dict[str, Any]], on_next: Arrival, parallel: int = 50
) -> list[Subscriber]:
    """One subscriber per item of `variables`, connected `parallel` at a time."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)

    async def one(each: dict[str, Any]) -> Subscriber:
        async with gate:
            host = f"127.0.0.1:{port}"
            _, protocol = await loop.create_connection(
                lambda: Subscriber(host, token, query, each, on_next), "127.0.0.1", port
            )
            await asyncio.wait_for(protocol.subscribed, 30)
            return protocol

    return list(await asyncio.gather(*(one(v) for v in variables)))
