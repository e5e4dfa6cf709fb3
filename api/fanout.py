"""Writing a rendered update straight to the sockets of every subscriber that gets the same bytes.

Sharing the execution (api.sharing) left each subscriber its own trip through graphql-core's
event stream, Strawberry's per-result extension hooks, JSON encoding and a task switch: about a
third of a millisecond each, so a change watched by a thousand dashboards reached the last one
~20 times later than a change watched by one. On the direct path the hub renders an event once per
sharing key, encodes the `next` message's payload once, and writes the same text to every socket,
only the operation id differing (the frame is prefix + id + payload + suffix).

Behind `mailtrail serve` (api.wsprotocol) the frame itself is built once too: every socket of an
operation id writes the same bytes straight to its transport, past Starlette's and uvicorn's send
layers, whenever nothing can come before it there (no back-pressure, no compression, no write of
its own still waiting); otherwise it is sent the ordinary way, in order.

Only results with no error and no extension take it: those are the ones whose message is exactly
`{"id", "type": "next", "payload": {"data"}}` whoever renders them. An update with errors goes the
ordinary way, through every extension (masking, codes, logging), as does anything on the legacy
graphql-ws protocol or a subscription resumed with `since` (its cursor is its own).

An operation served this way keeps no task while it is idle (`Sink.detach`): once its subscription
has nothing in hand it raises `Detached`, which ends the task, and with it Strawberry's generators and
extension contexts (some 12 KB a subscription), but not the operation. The hub keeps its subscriber
and writes its updates; a task is started again for it, in the first one's context, taking up the
same subscriber, when one must act: a note the hub cannot write directly, falling behind, a token no
longer good. The token is looked at every `token_cache_seconds` by a small task of the subscriber's,
not by restarting the operation (thousands of restarts at once held everyone's updates up).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import sys
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextvars import ContextVar
from typing import Any

from graphql import ExecutionResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage

from api.wsprotocol import FRAMES, text_frame


def encode(message: object) -> str:
    """JSON as Strawberry's views write it (`separators=(",", ":")`), so both paths send the same text."""
    return json.dumps(message, separators=(",", ":"))


def next_payload(result: ExecutionResult) -> str | None:
    """The `payload` of a `next` message for `result`, or None when it must take the ordinary path."""
    if result.errors or result.extensions:
        return None
    return encode({"data": result.data})


class Update:
    """A `next` payload rendered once for subscribers sharing a key; its text and its WebSocket frame
    are made once per operation id (the only part of the message that differs between them)."""

    __slots__ = ("_frames", "payload")

    def __init__(self, payload: str) -> None:
        self.payload = payload
        self._frames: dict[str, bytes] = {}

    def text(self, prefix: str) -> str:
        """The whole message for an operation: its `{"id", "type", "payload":` prefix, the payload, `}`."""
        return prefix + self.payload + "}"

    def frame(self, prefix: str) -> bytes:
        """The message as one RFC 6455 text frame, encoded the first time an operation id asks for it."""
        frame = self._frames.get(prefix)
        if frame is None:
            frame = self._frames[prefix] = text_frame(self.text(prefix).encode())
        return frame


FrameWriter = Callable[[bytes], bool]


def frame_writer(handler: BaseGraphQLTransportWSHandler[Any, Any]) -> FrameWriter | None:
    """The connection's `write_frame` (api.wsprotocol), when the server offers it in the scope."""
    scope = getattr(getattr(handler.websocket, "ws", None), "scope", None)
    extensions = scope.get("extensions") if isinstance(scope, dict) else None
    offered = extensions.get(FRAMES) if isinstance(extensions, dict) else None
    return offered.get("write") if isinstance(offered, dict) else None


class Sink:
    """One operation of one graphql-transport-ws connection, written to without its task.

    The shared frame goes straight to the transport when the connection can take it at once
    (api.wsprotocol). Else the message goes through the ASGI send; one that would wait (the socket's
    buffer is full: the client reads slowly) finishes in a task of its own, and frames stay in order
    because every such write waits on the same writable gate and no shared frame is written while
    one is `pending`. The hub drops a subscriber whose `pending` count passes its queue limit.
    """

    __slots__ = ("_handler", "_id", "_prefix", "_write_frame", "pending")

    @property
    def handler(self) -> DirectTransportWSHandler:
        """The connection's handler."""
        assert isinstance(self._handler, DirectTransportWSHandler)
        return self._handler

    def __init__(self, handler: BaseGraphQLTransportWSHandler[Any, Any], operation_id: str) -> None:
        self._handler = handler
        self._id = operation_id
        self._prefix = '{"id":' + encode(operation_id) + ',"type":"next","payload":'
        self._write_frame = frame_writer(handler)
        self.pending = 0

    @property
    def open(self) -> bool:
        """Still subscribed: not completed by the client, not ended by the server."""
        operation = self._handler.operations.get(self._id)
        return operation is not None and not operation.completed

    def write(self, update: Update) -> bool:
        """Send `{"id", "type": "next", "payload"}` now (or as soon as the socket takes it); True when
        it went as the shared frame."""
        write_frame = self._write_frame
        if self.pending == 0 and write_frame is not None and write_frame(update.frame(self._prefix)):
            return True
        websocket = getattr(self._handler.websocket, "ws", None)
        if websocket is None:  # not Starlette's WebSocket: cannot happen behind api.app
            raise RuntimeError("the direct path needs the ASGI WebSocket adapter")
        sending = websocket.send({"type": "websocket.send", "text": update.text(self._prefix)})
        task = start_eagerly(sending)
        if task is not None:
            self.pending += 1
            task.add_done_callback(self._sent)
        return False

    def detach(self, subscriber: Any, hub: Any, recheck: Callable[[], Awaitable[float | None]]) -> Detached:
        """Let the operation's task end while `subscriber` (api.subscriber.Subscriber, registered with
        `hub`) stays subscribed: the hub writes its updates, and a task is started again for it, in
        the context of this one, when one must act. Raise what this returns to end the task."""
        context = contextvars.copy_context()
        self.handler.detached[self._id] = (subscriber, hub)
        subscriber.detach(functools.partial(self._revive, subscriber, hub, context), recheck)
        return Detached()

    def _revive(self, subscriber: Any, hub: Any, context: contextvars.Context) -> None:
        handler = self.handler
        handler.detached.pop(self._id, None)
        operation = handler.operations.get(self._id)
        if operation is None or operation.completed:  # completed: cleanup_operation unregistered it
            return
        context.run(resumed_subscriber.set, subscriber)
        task = asyncio.get_running_loop().create_task(handler.run_operation(operation), context=context)
        task.add_done_callback(handler._task_done)
        task.add_done_callback(functools.partial(_let_go, subscriber, hub, operation))
        operation.task = task

    def _sent(self, task: asyncio.Future[Any]) -> None:
        self.pending -= 1
        if not task.cancelled():
            task.exception()  # a closed socket: the connection's own reader ends its subscriptions


def start_eagerly(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Future[Any] | None:
    """Run `coroutine` now, up to its first wait; None if it finished, else the task finishing it.

    A send to a socket that is writable never waits, so a broadcast costs no task per subscriber
    (Python 3.12's eager tasks do the same; this runs on 3.11). Errors of a send that finished at
    once are swallowed like those of one that waited: the connection's reader sees the socket close.
    """
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return None
    except Exception:
        return None
    return asyncio.ensure_future(_rest_of(coroutine, waiting_on))


@types.coroutine
def _rest_of(coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> Generator[Any, None, Any]:
    """Go on with a coroutine already started: hand its first wait to the task, then delegate."""
    try:
        yield waiting_on
    except BaseException:
        coroutine.close()
        raise
    return (yield from coroutine)


current_sink: ContextVar[Sink | None] = ContextVar("mailtrail_current_sink", default=None)
"""Set for the task that runs one graphql-transport-ws operation: where its updates can be written."""


def _let_go(subscriber: Any, hub: Any, operation: Operation[Any, Any], task: asyncio.Future[Any]) -> None:
    """A revived task has ended: unless it detached again (or another took over), its subscriber goes
    with it, also when the task was cancelled before it ever ran, so that its `finally` never did."""
    if operation.task is task and subscriber.revive is None and not subscriber.closed:
        hub.unregister(subscriber)


resumed_subscriber: ContextVar[Any] = ContextVar("mailtrail_resumed_subscriber", default=None)
"""Set for a task started again for a detached operation (`Sink.detach`): the hub's subscriber it
takes up where the task before it left off (api.subscriber.Subscriber)."""


class Detached(BaseException):
    """Ends an operation's task, not the operation: raised by the subscription once the hub serves it
    (`Sink.detach`). A BaseException, so that neither Strawberry nor graphql-core turns it into an
    error for the client; `DirectTransportWSHandler.run_operation` stops it."""


class DirectTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """Strawberry's graphql-transport-ws handler, telling each operation's task its `Sink`.

    The task is created inside `handle_subscribe` and copies the context there, so the variable
    set around it is what the subscription resolver reads. Besides, the document's text is interned:
    one copy however many operations keep it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detached: dict[str, tuple[Any, Any]] = {}
        """Operations no task serves at the moment, by id: (the hub's subscriber, the hub)."""

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        with contextlib.suppress(Detached):  # still subscribed: the hub writes its updates (Sink.detach)
            await super().run_operation(operation)

    async def cleanup_operation(self, operation_id: str) -> None:
        """Strawberry's (the task cancelled, unregistering in its `finally`), and a detached
        operation's subscriber unregistered, since no task is there to do it."""
        detached = self.detached.pop(operation_id, None)
        await super().cleanup_operation(operation_id)
        if detached is not None:
            subscriber, hub = detached
            hub.unregister(subscriber)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        timeout = self.connection_init_timeout_task
        if self.connection_init_received and timeout is not None and timeout.done():
            # Cancelled, it would keep its CancelledError and the frames in its traceback for as
            # long as the connection lives: a kilobyte or two on every open WebSocket.
            self.connection_init_timeout_task = None

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            # Thousands of dashboards subscribe with the same document: its operation keeps one copy.
            payload["query"] = sys.intern(payload["query"])
        operation_id = message.get("id")
        token = current_sink.set(Sink(self, operation_id) if isinstance(operation_id, str) else None)
        try:
            await super().handle_subscribe(message)
        finally:
            current_sink.reset(token)
