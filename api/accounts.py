"""Connecting Gmail accounts: the connect/disconnect mutations and the OAuth callback page."""

from __future__ import annotations

import contextlib
import html
import logging
from typing import Annotated
from urllib.parse import urlencode

import anyio.to_thread
import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.errors import InvalidStateError, NotFoundError, ValidationError, member_of
from api.inputs import parse_id
from api.runner import run_use_case
from api.types import Info, MailAccount
from domain import accounts
from domain.errors import DomainError, ErrorCode
from workers.db import session_scope
from workers.oauth import authorization_url

log = logging.getLogger("mailtrail.oauth")


@strawberry.type(description="Send the user's browser to authorizationUrl; Google redirects back to Mailtrail.")
class AuthorizationStarted:
    authorization_url: str = strawberry.field(
        description="Google's consent page for this connection (single use; its state expires in 10 minutes)."
    )


@strawberry.type(description="The account is DISCONNECTED: no watch, no grant, no credentials; its history stays.")
class MailAccountDisconnected:
    mail_account: MailAccount = strawberry.field(description="The account as it is now.")


ConnectResult = Annotated[
    AuthorizationStarted | ValidationError,
    strawberry.union("ConnectMailAccountResult", description="Where to send the browser, or why not."),
]
DisconnectResult = Annotated[
    MailAccountDisconnected | ValidationError | NotFoundError | InvalidStateError,
    strawberry.union("DisconnectMailAccountResult", description="The disconnected account, or why not."),
]


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Start connecting a Gmail account (OAuth with PKCE); returns the URL to visit.")
    async def connect_mail_account(
        self,
        info: Info,
        redirect_after: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "Where Mailtrail sends the browser once connected: a path on this service (/done) or a URL "
                    "on `base_url` or an `oauth_redirect_origins` origin (INVALID_INPUT otherwise)."
                )
            ),
        ] = None,
        login_hint: Annotated[
            str | None, strawberry.argument(description="The Gmail address to preselect on Google's page.")
        ] = None,
    ) -> ConnectResult:
        ctx = info.context
        settings = ctx.settings
        origins = [settings.base_url, *settings.oauth_redirect_origins]
        try:
            state, verifier = await run_use_case(
                ctx, lambda s: accounts.start_connection(s, ctx.organization_id, redirect_after, origins)
            )
        except DomainError as error:
            return member_of(error, ConnectResult)  # type: ignore[no-any-return]
        return AuthorizationStarted(authorization_url=authorization_url(settings, state, verifier, login_hint))

    @strawberry.mutation(description="Stop the watch, revoke the grant and forget the credentials; history stays.")
    async def disconnect_mail_account(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The mail account's id.")]
    ) -> DisconnectResult:
        ctx = info.context
        services = ctx.services
        try:
            account_id = parse_id(id, "id")
            from workers.connect import disconnect_account

            row = await anyio.to_thread.run_sync(
                lambda: disconnect_account(
                    ctx.settings, session_scope, services.gateway(), services.cipher(), ctx.organization_id, account_id
                )
            )
        except DomainError as error:
            return member_of(error, DisconnectResult)  # type: ignore[no-any-return]
        return MailAccountDisconnected(mail_account=MailAccount.from_row(row))


STATUS_FOR = {
    ErrorCode.OAUTH_STATE_INVALID: 400,
    ErrorCode.OAUTH_FAILED: 400,
    ErrorCode.OAUTH_SCOPES_MISSING: 403,
    ErrorCode.ACCOUNT_CONFLICT: 409,
}


def error_page(code: str, message: str, status: int) -> HTMLResponse:
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Mailtrail: account not connected</title></head>
<body style="font-family: system-ui; max-width: 40em; margin: 4em auto">
<h1>The Gmail account was not connected</h1>
<p>{html.escape(message)}</p><p><small>Error code: <code>{html.escape(code)}</code></small></p>
</body></html>"""
    return HTMLResponse(body, status_code=status)


async def oauth_callback(request: Request) -> Response:
    """Google redirects here with `code` and `state` (or `error`)."""
    services = request.app.state.services
    params = request.query_params
    if params.get("error"):
        state = params.get("state")
        if state:  # spend the state so the flow cannot be resumed
            with contextlib.suppress(DomainError):
                await anyio.to_thread.run_sync(lambda: _spend(services, state))
        return error_page("OAUTH_DENIED", f"Google reported: {params['error']}", 400)
    from workers.connect import complete_connection

    try:
        connected = await anyio.to_thread.run_sync(
            lambda: complete_connection(
                services.settings,
                session_scope,
                services.gateway(),
                services.cipher(),
                params.get("state"),
                params.get("code"),
            )
        )
    except DomainError as error:
        log.info("OAuth callback refused: %s", error.code.value)
        return error_page(error.code.value, error.message, STATUS_FOR.get(error.code, 400))
    target = connected.redirect_after or "/oauth/google/connected"
    separator = "&" if "?" in target else "?"
    query = urlencode({"status": "connected", "account": str(connected.account_id), "email": connected.email})
    return RedirectResponse(f"{target}{separator}{query}", status_code=303)


def _spend(services: object, state: str) -> None:
    from datetime import timedelta

    settings = services.settings  # type: ignore[attr-defined]
    with session_scope() as session:
        accounts.consume_state(session, state, timedelta(seconds=settings.oauth_state_ttl_seconds))


async def connected_page(request: Request) -> Response:
    email = html.escape(request.query_params.get("email", ""))
    return HTMLResponse(f"<!doctype html><p>Connected <b>{email}</b>. You can close this window.</p>")
