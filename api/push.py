"""POST /webhooks/gmail/push: Pub/Sub push notifications from Gmail, verified, then one sync enqueued.

The endpoint answers in milliseconds and does no Gmail work: it checks the OIDC JWT Pub/Sub
signs each push with (signature against the configured certificates, issuer, audience, the
subscription's service-account email), decodes `{emailAddress, historyId}` and enqueues a sync
only when that historyId is newer than the account's cursor. Pub/Sub retries anything but 2xx,
so malformed but authentic messages are acknowledged (and logged) rather than retried forever.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import httpx
from google.auth import exceptions as auth_exceptions
from google.auth import jwt
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import bearer_token
from domain.records import AccountState, MailAccount
from domain.settings import Settings

log = logging.getLogger("mailtrail.push")
PUSH_PATH = "/webhooks/gmail/push"


class PushRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PushVerifier:
    """Verifies push JWTs; certificates are cached and refetched when a new key id appears."""

    def __init__(self, settings: Settings, ttl: float = 300.0) -> None:
        self.settings = settings
        self.ttl = ttl
        self._certs: dict[str, str] = {}
        self._fetched = 0.0

    @property
    def audience(self) -> str:
        return self.settings.push_audience or self.settings.base_url + PUSH_PATH

    async def _certificates(self, kid: str | None) -> dict[str, str]:
        stale = time.monotonic() - self._fetched > self.ttl
        if stale or not self._certs or (kid and kid not in self._certs):
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.settings.push_certs_url)
            response.raise_for_status()
            self._certs = dict(response.json())
            self._fetched = time.monotonic()
        return self._certs

    async def verify(self, token: str | None) -> dict[str, Any]:
        if not token:
            raise PushRejected(401, "missing bearer token")
        try:
            header = jwt.decode_header(token)  # type: ignore[no-untyped-call]
        except (ValueError, auth_exceptions.GoogleAuthError) as error:
            raise PushRejected(401, f"malformed token: {error}") from error
        try:
            certs = await self._certificates(header.get("kid"))
        except httpx.HTTPError as error:
            raise PushRejected(503, f"certificates unavailable: {error}") from error
        try:
            claims = dict(jwt.decode(token, certs=certs, audience=self.audience))  # type: ignore[no-untyped-call]
        except (ValueError, auth_exceptions.GoogleAuthError) as error:
            status = 403 if "audience" in str(error).lower() else 401
            raise PushRejected(status, f"token rejected: {error}") from error
        if claims.get("iss") not in self.settings.push_issuers:
            raise PushRejected(403, "unexpected issuer")
        expected = self.settings.push_service_account
        if expected and (claims.get("email") != expected or not claims.get("email_verified")):
            raise PushRejected(403, "unexpected service account")
        return claims


def decode_notification(body: Any) -> tuple[str, int] | None:
    """`(emailAddress, historyId)` from a Pub/Sub push envelope, or None when it is not one."""
    try:
        data = json.loads(base64.b64decode(body["message"]["data"]))
        return str(data["emailAddress"]).lower(), int(data["historyId"])
    except (KeyError, TypeError, ValueError, json.JSONDecodeError):
        return None


async def gmail_push(request: Request) -> Response:
    services = request.app.state.services
    verifier: PushVerifier = services.extras.setdefault("push_verifier", PushVerifier(services.settings))
    try:
        await verifier.verify(bearer_token(request.headers.get("authorization")))
    except PushRejected as rejected:
        log.warning("push rejected (%s): %s", rejected.status, rejected)
        return JSONResponse({"error": str(rejected)}, status_code=rejected.status)
    try:
        body = await request.json()
    except ValueError:
        body = None
    notification = decode_notification(body)
    if notification is None:
        log.warning("authentic push with an unreadable payload; acknowledged")
        return Response(status_code=204)
    address, history_id = notification
    async with services.sessions() as session:
        account = (await session.exec(select(MailAccount).where(MailAccount.email == address))).first()
    if account is None or account.state != AccountState.ACTIVE:
        return Response(status_code=204)
    if account.history_id is not None and history_id <= account.history_id:
        return Response(status_code=204)  # already synced past it: coalesced
    services.extras["enqueue_sync"](account.id)
    return Response(status_code=204)
