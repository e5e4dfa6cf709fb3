"""A minimal graphql-transport-ws subscriber on a bare non-blocking socket, for thousands of sockets.

A full WebSocket client costs the benchmark process more per message than the server spends on
it, so with thousands of subscribers on two cores it would measure itself. This one does only
what the protocol needs (RFC 6455 handshake, masked client frames, pong) and keeps a few hundred
bytes per connection.

Arrival times are the kernel's: each socket asks for SO_TIMESTAMPNS (socket(7)), so every read
carries the moment its bytes reached the socket's receive queue. A frame's arrival is then what a
subscriber on its own machine would see, not the moment this one process, reading a thousand
sockets in turn, came round to it: with a stamp taken in Python, the last of 1,000 subscribers
was stamped after the benchmark had parsed the 999 frames before it, the client's own CPU counted
as the server's delivery time. Where the option is missing, the stamp is taken on reading.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

Arrival = Callable[[dict[str, Any], float], None]

TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform == "linux" else None)
"""SO_TIMESTAMPNS (35 in Linux's asm-generic/socket.h; Python's socket module does not name it); the
control message it adds has the same type number (SCM_TIMESTAMPNS)."""
STAMP = struct.Struct("@qq")  # struct timespec: seconds, nanoseconds
ANCILLARY = socket.CMSG_SPACE(STAMP.size)
READ = 256 * 1024


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


def kernel_stamp(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    """The receive time the kernel attached to a read, in seconds since the epoch, if it did."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == TIMESTAMPNS and len(data) >= STAMP.size:
            seconds: int
            nanoseconds: int
            seconds, nanoseconds = STAMP.unpack_from(data)
            return seconds + nanoseconds / 1e9
    return None


class Subscriber:
    """One WebSocket running one subscription; `on_next(payload, arrived_at)` per update."""

    def __init__(
        self, sock: socket.socket, host: str, token: str, query: str, variables: dict[str, Any], on_next: Arrival
    ) -> None:
        self.sock = sock
        self.host = host
        self.token = token
        self.query = query
        self.variables = variables
        self.on_next = on_next
        self.buffer = bytearray()
        self.upgraded = False
        loop = asyncio.get_running_loop()
        self.loop = loop
        self.subscribed: asyncio.Future[None] = loop.create_future()
        self.errors: list[Any] = []
        self.open = True

    def start(self) -> None:
        """Send the upgrade request and start reading."""
        key = base64.b64encode(os.urandom(16)).decode()
        self.write(
            (
                f"GET /graphql HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
            ).encode()
        )
        self.loop.add_reader(self.sock.fileno(), self.readable)

    def pause(self) -> None:
        """Stop reading: the socket leaves the loop's epoll set, so the kernel wakes nothing when bytes come."""
        if self.open:
            self.loop.remove_reader(self.sock.fileno())

    def resume(self) -> None:
        """Read again (what came meanwhile waits in the socket, stamped with its arrival)."""
        if self.open:
            self.loop.add_reader(self.sock.fileno(), self.readable)

    def write(self, data: bytes) -> None:
        """Client messages are a few hundred bytes: a loopback socket takes them whole."""
        if self.open:
            self.sock.sendall(data)

    def send(self, message: dict[str, Any]) -> None:
        self.write(frame(0x1, json.dumps(message).encode()))

    def readable(self) -> None:
        """One read per wake-up: the loop calls again while bytes remain (level-triggered), and a second
        read only to be told "nothing more" doubled the benchmark's system calls."""
        if not self.open:
            return
        try:
            data, ancillary, _flags, _address = self.sock.recvmsg(READ, ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self.lost(error)
            return
        if not data:
            self.lost(None)
            return
        self.data_received(data, kernel_stamp(ancillary) or time.time())

    def data_received(self, data: bytes, now: float) -> None:
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
                self._text(orjson.loads(payload), now)
            elif opcode == 0x9:  # ping: uvicorn closes a socket that does not answer
                self.write(frame(0xA, payload))
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

    def lost(self, error: Exception | None) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(error or ConnectionError("connection lost"))
        self.shut()

    def shut(self) -> None:
        if self.open:
            self.open = False
            self.loop.remove_reader(self.sock.fileno())
            self.sock.close()

    def close(self) -> None:
        if self.open:
            with contextlib.suppress(OSError):
                self.sock.sendall(frame(0x8, (1000).to_bytes(2, "big")))
            self.shut()


async def open_many(
    port: int, token: str, query: str, variables: list[dict[str, Any]], on_next: Arrival, parallel: int = 50
) -> list[Subscriber]:
    """One subscriber per item of `variables`, connected `parallel` at a time."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)

    async def one(each: dict[str, Any]) -> Subscriber:
        async with gate:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if TIMESTAMPNS is not None:
                sock.setsockopt(socket.SOL_SOCKET, TIMESTAMPNS, 1)
            await loop.sock_connect(sock, ("127.0.0.1", port))
            subscriber = Subscriber(sock, f"127.0.0.1:{port}", token, query, each, on_next)
            subscriber.start()
            await asyncio.wait_for(subscriber.subscribed, 30)
            return subscriber

    return list(await asyncio.gather(*(one(v) for v in variables)))
