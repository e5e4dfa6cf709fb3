"""What wraps the ASGI app in `mailtrail serve`: a request id for every request, and tracing if on.

The request id comes from `X-Request-ID` when the caller sends a sane one, else a new one; it
is echoed in the response and carried by every log line of the request (workers/logs.py).
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.settings import Settings
from workers import logs

HEADER = b"x-request-id"
_SANE = re.compile(rb"^[A-Za-z0-9._\-]{1,128}$")


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER, b"")
        request_id = given.decode() if _SANE.match(given) else uuid.uuid4().hex
        # A WebSocket sends no http.response.start: its sends (one per update) go straight through.
        sending = echoing_id(send, request_id) if scope["type"] == "http" else send
        with logs.bound(request_id=request_id, organization_id=None):
            await self.app(scope, receive, sending)


def echoing_id(send: Send, request_id: str) -> Send:
    """`send`, adding the request id to the response's headers."""

    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            message["headers"] = [*message["headers"], (HEADER, request_id.encode())]
        await send(message)

    return send_with_id


def wrap(app: ASGIApp, settings: Settings) -> ASGIApp:
    """The served app: request context always, OpenTelemetry's ASGI middleware when tracing is on."""
    from workers.tracing import instrument_engine, setup_tracing

    wrapped: ASGIApp = RequestContext(app)
    if setup_tracing(settings, "api"):
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        from workers.db import get_engine

        services = getattr(getattr(app, "state", None), "services", None)
        if services is not None:
            instrument_engine(services.engine.sync_engine)
        instrument_engine(get_engine())  # use cases run by workers in this process (the embedded mode)
        wrapped = OpenTelemetryMiddleware(wrapped, excluded_urls="healthz,readyz,metrics")
    return wrapped
