"""The HTTP side of /graphql: a valid bearer token, within its rate limit, and a body of bounded size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from api import console
from api.auth import Principal, bearer_token
from api.boundary import BodyRejected, read_capped, replay

if TYPE_CHECKING:
    from api.app import MailtrailGraphQL, Services


class AuthGate:
    """Every GraphQL request needs a valid bearer token; the GraphiQL page itself does not."""

    def __init__(self, services: Services, graphql: MailtrailGraphQL) -> None:
        self.services = services
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.graphql(scope, receive, send)
            return
        request = Request(scope)
        if console.wants_console(request):
            await (await console.page_for(self.services))(scope, receive, send)
            return
        principal = await self.services.authenticator.check(bearer_token(request.headers.get("authorization")))
        if not isinstance(principal, Principal):
            await unauthenticated(principal.code, principal.message)(scope, receive, send)
            return
        retry_after = await self.services.extras["rate_limiter"].hit(principal)
        if retry_after is not None:
            await rate_limited(retry_after)(scope, receive, send)
            return
        if request.method == "POST":
            try:
                body = await read_capped(receive, self.services.settings.max_request_bytes)
            except BodyRejected as rejected:
                await JSONResponse(
                    {"errors": [{"message": rejected.message, "extensions": {"code": "BAD_REQUEST"}}]},
                    status_code=rejected.status,
                )(scope, receive, send)
                return
            receive = replay(body)
        session = self.services.sessions()
        try:
            scope.setdefault("state", {})
            scope["state"]["principal"] = principal
            scope["state"]["session"] = session
            await self.graphql(scope, receive, send)
        finally:
            await release(session)


async def release(session: AsyncSession) -> None:
    """Close the request's session, as leaving `async with session` does.

    AsyncSession's exit runs close() in a task of its own (so that a cancelled request still
    returns its connection to the pool), and close() runs the sync close in a greenlet in case it
    has I/O to do. Once the session's last commit or rollback has released its connection (a
    sendEmail's, a mutation's), close() only forgets the session's objects: that is done here in
    place, about 25 us and a pass of the event loop less. A session still holding a transaction
    (a query's autocommit reads, a request that failed midway) is closed as before.
    """
    if session.in_transaction():
        await session.__aexit__(None, None, None)
    else:
        session.sync_session.close()


def unauthenticated(code: str = "UNAUTHENTICATED", message: str = "missing or invalid bearer token") -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="mailtrail"'},
    )


def rate_limited(retry_after: int) -> Response:
    """HTTP 429 (RFC 6585) with Retry-After in seconds (RFC 9110 section 10.2.3)."""
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"too many requests for this token; retry in {retry_after} s",
                    "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
                }
            ]
        },
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )
