"""The WebSocket protocol `mailtrail serve` runs: uvicorn's own (websockets, sans-I/O), lighter per
connection, and able to take a frame encoded once for many sockets.

A process holding thousands of subscriptions holds thousands of these. uvicorn gives each an
asyncio.Queue for what the app receives (four deques and an event: ~3.8 KB) and an asyncio.Event
for flow control (~0.8 KB), and keeps the handshake's request and response for the socket's life
(their headers: ~3 KB).
Here the inbox is one deque made on demand and a single waiter (the ASGI app is its only reader),
the writable gate a flag with a future made only while a send waits, the handshake objects go
once the handshake is done, and the keepalive ping waits on the loop's shared alarms (api.alarms).

`write_frame` is the other half of api.fanout's direct path: when the hub writes the same update to
a thousand sockets, it builds the RFC 6455 frame once and each socket writes those bytes, instead of
a trip per socket through Starlette, the ASGI `send` chain and the websockets library's framing. It
writes only when nothing can come before the frame: the connection open, no close sent, the
transport taking data (not paused by back-pressure) and no per-message compression negotiated
(a compressed socket frames its own messages: its deflate context is its own). Otherwise it says
no, and the caller sends the ordinary way, which waits for the socket like any other send.
The app finds it in the scope: `scope["extensions"][FRAMES]["write"]`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Opcode
from websockets.http11 import Request
from websockets.protocol import State

from api.alarms import alarms
from domain.settings import Settings

OPEN = State.OPEN
FRAMES = "mailtrail.websocket.frames"
"""The ASGI scope extension through which the app writes pre-encoded frames (module docstring)."""


def text_frame(data: bytes) -> bytes:
    """One final, unmasked text frame carrying `data` (RFC 6455 section 5.2: a server never masks)."""
    size = len(data)
    if size < 126:
        header = bytes((0x80 | Opcode.TEXT, size))
    elif size < 1 << 16:
        header = bytes((0x80 | Opcode.TEXT, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | Opcode.TEXT, 127)) + size.to_bytes(8, "big")
    return header + data


class Inbox:
    """What the ASGI app receives, in order; the one reader waits on a future made only while it waits.

    The subset of asyncio.Queue uvicorn's protocol uses (`put_nowait`, `get`, `empty`).
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque[Any] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        """Add `item`; wake the reader if it waits."""
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        """The oldest item, waiting for one if there is none."""
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    def empty(self) -> bool:
        """Nothing to receive."""
        return not self._items


class Gate:
    """The transport's flow control (uvicorn's `writable` asyncio.Event): every send waits while it is shut.

    Waiters share one future, made only while the gate is shut, so they wake in the order they came.
    """

    __slots__ = ("_opened", "open")

    def __init__(self) -> None:
        self.open = True
        self._opened: asyncio.Future[None] | None = None

    def is_set(self) -> bool:
        """Open: the transport takes data."""
        return self.open

    def set(self) -> None:
        """Open it (the transport's buffer drained, or the connection is gone) and wake the waiters."""
        self.open = True
        opened, self._opened = self._opened, None
        if opened is not None and not opened.done():
            opened.set_result(None)

    def clear(self) -> None:
        """Shut it (the transport's buffer is over its high-water mark)."""
        self.open = False

    async def wait(self) -> None:
        """Return at once when open, else when opened."""
        if self.open:
            return
        if self._opened is None:
            self._opened = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._opened)  # one waiter cancelled must not cancel the others' wake-up


class MailtrailWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets (sans-I/O) protocol with a lighter inbox and gate, and `write_frame`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = self.gate = Gate()  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # a handshake that went on to the app (not refused by websockets)
            scope["extensions"][FRAMES] = {"write": self.write_frame}

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # The app has its scope (the headers copied into it); the parsed request and the response
            # are spent. The websockets parser's frame keeps the request for the socket's life: empty it.
            request = self.__dict__.pop("request", None)
            if request is not None:
                request.headers.clear()
            self.__dict__.pop("response", None)

    def schedule_ping(self) -> None:
        """uvicorn's, on the loop's shared alarms (api.alarms) rather than a TimerHandle per socket."""
        assert self.ping_interval is not None
        alarms(self.loop).set_in(max(0.0, self.ping_interval - self.last_ping_rtt), self)

    def ring(self) -> None:
        """The keepalive ping is due (api.alarms)."""
        self.send_keepalive_ping()

    def stop_keepalive(self) -> None:
        alarms(self.loop).clear(self)
        super().stop_keepalive()

    def write_frame(self, frame: bytes) -> bool:
        """Write `frame` (a whole server frame) now if nothing can come before it; False: send it the
        ordinary way (module docstring)."""
        # Once per subscriber of a broadcast: plain attributes (the gate's flag, the parser's state)
        # rather than their property and method, which cost as much again as the tests themselves.
        conn = self.conn
        if (
            self.close_sent
            or self.disconnected
            or not self.gate.open
            or conn._state is not OPEN
            or conn.extensions
            or conn.expect_continuation_frame
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True


def websocket_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's WebSocket options for Mailtrail: this protocol, and frames capped at `ws_max_message_bytes`."""
    return {"ws": MailtrailWebSocketProtocol, "ws_max_size": settings.ws_max_message_bytes}
