"""Hostile input over WebSockets: cursors that cannot be real, unstorable text, oversized frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.sockets import GraphQLSocket
from tests.factories import Tenant, make_connected_tenant


@pytest.fixture
def tenant(db: str, gmail, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


@pytest.fixture
async def socket(live_api: str) -> AsyncIterator[GraphQLSocket]:
    opened = GraphQLSocket(live_api)
    yield opened
    await opened.close()


async def first_error(socket: GraphQLSocket, **variables: Any) -> dict[str, Any]:
    op = await socket.subscribe(**variables)
    message = await socket.receive()
    assert message["id"] == op and message["type"] in {"next", "error"}, message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    return dict(errors[0])


@pytest.mark.parametrize(
    "cursor",
    [
        "s1.0-99999999999999999999",  # more digits than a bigint holds
        "s1.0-9223372036854775808",  # 2**63: one past the largest bigint
        "s1.0-9000000000000000000",  # a bigint, but no such event: a cursor from another database
    ],
)
async def test_a_cursor_that_names_events_that_cannot_exist_is_refused(socket, tenant, cursor) -> None:  # type: ignore[no-untyped-def]
    await socket.open(tenant.token)
    error = await first_error(socket, since=cursor)
    assert error["extensions"]["code"] == "INVALID_CURSOR", error
    assert "Unexpected" not in error["message"]


async def test_unstorable_text_in_subscription_variables_is_bad_user_input(socket, tenant) -> None:  # type: ignore[no-untyped-def]
    await socket.open(tenant.token)
    error = await first_error(socket, filter={"contextType": "invoice\u0000"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "NUL" in error["message"]


async def test_a_frame_larger_than_the_cap_closes_the_connection(socket, tenant, settings) -> None:  # type: ignore[no-untyped-def]
    await socket.open(tenant.token)
    assert socket.ws is not None
    await socket.ws.send("x" * (settings.ws_max_message_bytes + 1))
    with pytest.raises(ConnectionClosed, match=r"1009|too big"):
        await socket.receive(within=10)
