"""Tokens of open WebSocket subscriptions: looked at again while they run, and ended when they lapse."""

from __future__ import annotations

import time
from typing import Any

from graphql import GraphQLError

from api.auth import Principal


def token_check_due(context: Any) -> float:
    """When (monotonic) the connection's token must be looked at next: after `token_cache_seconds`
    (revocation), or the moment a client token expires, whichever comes first."""
    interval = float(context.settings.token_cache_seconds)
    principal: Principal | None = getattr(context, "principal", None)
    if principal is not None and principal.expires_at is not None:
        interval = min(interval, principal.expires_at - time.time())
    return time.monotonic() + max(0.0, interval)


async def ensure_token_valid(context: Any) -> None:
    """Raise a typed error (TOKEN_EXPIRED, UNAUTHENTICATED) once the connection's token is no good."""
    principal: Principal | None = getattr(context, "principal", None)
    if principal is not None and principal.expires_at is not None and principal.expires_at <= time.time():
        raise GraphQLError(
            "the token of this connection has expired; reconnect with a new one",
            extensions={"code": "TOKEN_EXPIRED"},
        )
    checked = await context.services.authenticator.check(context.token)
    if not isinstance(checked, Principal):
        code = checked.code
        message = (
            "the token of this connection has expired; reconnect with a new one"
            if code == "TOKEN_EXPIRED"
            else "the token of this connection was revoked"
        )
        raise GraphQLError(message, extensions={"code": code})


async def next_token_check(context: Any) -> float | None:
    """Look at the connection's token now: when to look again (as `token_check_due`), or None once
    it is no good (`ensure_token_valid` then says why)."""
    try:
        await ensure_token_valid(context)
    except GraphQLError:
        return None
    return token_check_due(context)
