"""The Starlette application: /graphql behind bearer auth, health, and the process's services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from cross_web import HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from api import console
from api.accounts import connected_page, oauth_callback
from api.auth import Principal, TokenAuthenticator, bearer_token
from api.boundary import BodyRejected, decode_body, find_unsafe_text
from api.context import Context, LiveContext
from api.cors import OriginPolicy, cors_middleware
from api.db import make_async_engine, make_sessionmaker
from api.fanout import DirectTransportWSHandler
from api.gate import AuthGate
from api.ops import ops_routes
from api.push import PUSH_PATH, gmail_push
from api.ratelimit import RateLimiter
from api.schema import build_schema
from api.token_keys import ClientTokenKeys
from domain.settings import Settings, get_settings

log = logging.getLogger("mailtrail.api")

Hook = Callable[["Services"], Awaitable[None]]


@dataclass
class Services:
    """What one API process shares between requests."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    authenticator: TokenAuthenticator
    extras: dict[str, Any] = field(default_factory=dict)
    """Pluggable parts (the enqueuer, the event hub, the embedded emulator) keyed by name."""

    def gateway(self) -> Any:
        """The Gmail gateway (workers.gmail.client.GmailGateway), built on first use."""
        if "gateway" not in self.extras:
            from workers.gmail.client import GmailGateway

            self.extras["gateway"] = GmailGateway(self.settings, timeout=self.settings.gmail_timeout_seconds)
        return self.extras["gateway"]

    async def hub(self) -> Any:
        """This process's event hub (api.live.Hub), started on first use."""
        hub = self.extras.get("hub")
        if hub is None:
            from api.live import Hub

            lock = self.extras.setdefault("hub_lock", asyncio.Lock())
            async with lock:
                hub = self.extras.get("hub")
                if hub is None:
                    hub = Hub(self.settings, self.sessions)
                    await hub.start()
                    self.extras["hub"] = hub
        return hub

    def cipher(self) -> Any:
        """The credentials cipher (workers.credentials.CredentialCipher)."""
        if "cipher" not in self.extras:
            from workers.credentials import CredentialCipher

            self.extras["cipher"] = CredentialCipher.from_settings(self.settings)
        return self.extras["cipher"]


class MailtrailGraphQL(GraphQL[Context | LiveContext, None]):
    """Strawberry's ASGI app with our context: the principal and session the auth gate put in scope.

    WebSockets (graphql-transport-ws and the legacy graphql-ws) authenticate in `connection_init`
    with `{"Authorization": "Bearer <token>"}` and are closed (4403) without a valid token.
    On graphql-transport-ws the hub writes subscription updates to the socket itself (api.fanout).
    """

    graphql_transport_ws_handler_class = DirectTransportWSHandler

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(
            build_schema(services.settings),
            max_subscriptions_per_connection=services.settings.subscriptions_per_connection,
            **kwargs,
        )
        self.services = services
        self.origins = OriginPolicy(services.settings.cors_origins)

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        """Strawberry refuses (HTTP 403) a handshake from another origin unless this says yes; the
        same `cors_origins` list as HTTP decides (same-origin pages are let in before this)."""
        return self.origins.allows(origin)

    def parse_json(self, data: str | bytes) -> object:
        """An HTTP body (WebSocket frames go through `decode_json`, and their variables through
        api.boundary.safe_variables)."""
        try:
            return decode_body(data)
        except BodyRejected as rejected:
            raise HTTPException(rejected.status, rejected.message) from None

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """Strawberry's HTTP response, its JSON written by orjson (WebSocket frames keep `encode_json`).

        json.dumps of a 100-email page was a twentieth of the page's CPU; orjson writes the same
        JSON (UTF-8 rather than \\u escapes) in a tenth of the time. What it refuses (an integer
        beyond 64 bits inside a JSON scalar) is written by json.dumps as before.
        """
        try:
            body: str | bytes = orjson.dumps(response_data)
        except TypeError:
            body = self.encode_json(response_data)
        response = Response(body, status_code=200, media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        parsed = super().parse_query_params(params)
        unsafe = find_unsafe_text(parsed)
        if unsafe is not None:
            raise HTTPException(400, f"{unsafe[0]} {unsafe[1]}")
        return parsed

    async def get_context(self, request: Any, response: Any) -> Context | LiveContext:
        if request.scope["type"] == "websocket":
            return LiveContext(settings=self.services.settings, services=self.services)
        state = request.scope["state"]
        principal: Principal = state["principal"]
        return Context(
            session=state["session"],
            organization_id=principal.organization_id,
            actor=principal.actor,
            settings=self.services.settings,
            services=self.services,
            principal=principal,
        )

    async def on_ws_connect(self, context: Context | LiveContext) -> dict[str, object] | None:
        if not isinstance(context, LiveContext):
            raise ConnectionRejectionError({"message": "unexpected connection"})
        params = context.connection_params or {}
        raw = next(
            (params[k] for k in ("Authorization", "authorization", "token") if isinstance(params.get(k), str)), None
        )
        token = bearer_token(raw) or raw  # "Bearer <token>", or the token alone
        principal = await self.services.authenticator.check(token)
        if not isinstance(principal, Principal):
            raise ConnectionRejectionError({"message": principal.message, "code": principal.code})
        if await self.services.extras["rate_limiter"].hit(principal) is not None:
            raise ConnectionRejectionError({"message": "too many requests for this token", "code": "RATE_LIMITED"})
        context.organization_id = principal.organization_id
        context.actor = principal.actor
        context.token = token
        context.principal = principal
        return None


GRAPHQL_PATH = "/graphql"


class MailtrailApp(Starlette):
    """Starlette, handing GraphQL WebSockets straight to their endpoint.

    Each open subscription is a WebSocket whose ASGI call lasts as long as it does. Through
    Starlette's middleware stack and router that call holds ten coroutines more (~4 KB a socket) and
    wraps every send once more; none of them acts on a WebSocket (CORS and the error pages are for
    HTTP, the route only matches the path, the auth gate lets WebSockets through to Strawberry, which
    authenticates in connection_init), so the `/graphql` WebSocket skips them.
    """

    websocket_endpoint: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.websocket_endpoint
        if scope["type"] == "websocket" and endpoint is not None and route_path(scope) == GRAPHQL_PATH:
            scope["app"] = self
            await endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def route_path(scope: Scope) -> str:
    """The request's path below the app's root path (as Starlette's router matches it)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    on_startup: list[Hook] | None = None,
    on_shutdown: list[Hook] | None = None,
    extras: dict[str, Any] | None = None,
) -> Starlette:
    """Build the app; `on_startup` hooks run in the lifespan (the embedded mode adds its parts there)."""
    settings = settings or get_settings()
    engine = make_async_engine(settings)
    sessions = make_sessionmaker(engine)
    authenticator = TokenAuthenticator(
        sessions, ttl=settings.token_cache_seconds, keys=ClientTokenKeys.from_settings(settings)
    )
    services = Services(settings, engine, sessions, authenticator, dict(extras or {}))
    services.extras.setdefault("rate_limiter", RateLimiter(settings))
    if "enqueue_send" not in services.extras or "enqueue_sync" not in services.extras:
        from workers.actors import enqueue_send, enqueue_sync

        services.extras.setdefault("enqueue_send", enqueue_send)
        services.extras.setdefault("enqueue_sync", enqueue_sync)
    graphql = MailtrailGraphQL(services, graphql_ide=None)  # the console (api/console) serves GraphiQL

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for hook in on_startup or []:
            await hook(services)
        try:
            yield
        finally:
            for hook in reversed(on_shutdown or []):
                await hook(services)
            if "hub" in services.extras:
                await services.extras["hub"].stop()
            await engine.dispose()

    app = MailtrailApp(
        routes=[
            Route("/healthz", health),
            *ops_routes(),
            Route(console.ASSETS_PATH + "/{name}", console.console_asset),
            Route(GRAPHQL_PATH, AuthGate(services, graphql), methods=["GET", "POST"]),
            WebSocketRoute(GRAPHQL_PATH, AuthGate(services, graphql)),
            Route("/oauth/google/callback", oauth_callback),
            Route("/oauth/google/connected", connected_page),
            Route(PUSH_PATH, gmail_push, methods=["POST"]),
        ],
        lifespan=lifespan,
        middleware=[cors_middleware(settings)],
    )
    app.state.services = services
    app.state.graphql = graphql
    app.websocket_endpoint = graphql
    return app
