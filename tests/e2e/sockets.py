"""A small GraphQL-over-WebSocket client for tests: graphql-transport-ws and the legacy graphql-ws."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

FROM_THE_START = "s1."
"""The empty cursor: a fresh organization's whole trail. Subscribing `since` it, whatever was committed
before the server had the subscription in place is replayed, so a test needs no pause between
subscribing and its first change."""

UPDATES = """subscription($id: ID, $filter: OutboundEmailFilter, $since: String) {
  outboundEmailUpdates(id: $id, filter: $filter, since: $since) {
    kind event cursor at emailId
    outboundEmail { id status deliveryStatus account { email }
      bounceDetails { bouncedRecipients { email action statusCode diagnostic } detectedAt } }
  } }"""


class GraphQLSocket:
    def __init__(self, url: str, protocol: str = "graphql-transport-ws") -> None:
        self.url = url.replace("http://", "ws://").rstrip("/") + "/graphql"
        self.protocol = protocol
        self.ws: ClientConnection | None = None
        self._ids = 0

    @property
    def legacy(self) -> bool:
        return self.protocol == "graphql-ws"

    async def open(self, token: str | None, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Connect and send connection_init; returns the server's first answer."""
        self.ws = await connect(self.url, subprotocols=[self.protocol])  # type: ignore[list-item]
        payload = params if params is not None else ({"Authorization": f"Bearer {token}"} if token else {})
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def send(self, message: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = 10.0) -> dict[str, Any]:
        assert self.ws is not None
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), within))
            if message.get("type") not in {"ka", "ping", "pong"}:
                return dict(message)

    async def subscribe(self, query: str = UPDATES, **variables: Any) -> str:
        self._ids += 1
        op = str(self._ids)
        kind = "start" if self.legacy else "subscribe"
        await self.send({"id": op, "type": kind, "payload": {"query": query, "variables": variables}})
        return op

    async def next_update(self, within: float = 10.0) -> dict[str, Any]:
        """The next `outboundEmailUpdates` payload; fails on errors."""
        message = await self.receive(within)
        assert message["type"] == ("data" if self.legacy else "next"), message
        assert not message["payload"].get("errors"), message
        return dict(message["payload"]["data"]["outboundEmailUpdates"])

    async def updates_until(self, done: Any, within: float = 15.0) -> list[dict[str, Any]]:
        """Updates until `done(update)` is true (inclusive)."""
        seen: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + within
        while True:
            update = await self.next_update(max(0.1, deadline - asyncio.get_running_loop().time()))
            seen.append(update)
            if done(update):
                return seen

    async def next_of(self, op: str, within: float = 10.0) -> dict[str, Any]:
        """The next message, which must belong to operation `op`: an update, returned."""
        message = await self.receive(within)
        assert message["id"] == op and message["type"] == ("data" if self.legacy else "next"), message
        assert not message["payload"].get("errors"), message
        return dict(message["payload"]["data"]["outboundEmailUpdates"])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
