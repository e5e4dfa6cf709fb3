"""POST /webhooks/gmail/push: Pub/Sub push notifications from Gmail, verified, then one sync enqueued.

The endpoint answers in milliseconds and does no Gmail work: it checks the OIDC JWT Pub/Sub
signs each push with (signature against the configured certificates, issuer, audience, the
subscription's service-account email, verified), decodes `{emailAddress, historyId}` and enqueues
a sync only when that historyId is newer than the account's cursor. A push only ever *starts* a
sync; the cursor moves by what Gmail's own history says, so a forged historyId cannot move it.

Pub/Sub retries anything but 2xx: malformed but authentic messages are acknowledged (and
logged) rather than retried forever, while a push that cannot be acted on now (the broker is
down) gets a 503 so that Pub/Sub delivers it again. The token signs no body and stays valid for
an hour, so each Pub/Sub `messageId` is acted on once (a PushReceipt, stored in the transaction
that enqueued the sync; a failed enqueue stores nothing).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from google.auth import exceptions as auth_exceptions
from google.auth import jwt
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import bearer_token
from domain.records import AccountState, MailAccount, PushReceipt
from domain.settings import Settings
from domain.validation import unsafe_text_reason

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
        if expected and (claims.get("email") != expected or claims.get("email_verified") is not True):
            raise PushRejected(403, "unexpected service account")
        return claims


@dataclass(frozen=True)
class Notification:
    message_id: str | None
    address: str
    history_id: int


def decode_notification(body: Any) -> Notification | None:
    """The notification in a Pub/Sub push envelope, or None when it is not a readable one."""
    try:
        message = body["message"]
        data = json.loads(base64.b64decode(message["data"], validate=True))
        address, history_id = data["emailAddress"], int(data["historyId"])
        message_id = message.get("messageId") or message.get("message_id")
    except (KeyError, TypeError, ValueError, json.JSONDecodeError, binascii.Error):
        return None
    if not isinstance(address, str) or unsafe_text_reason(address) or len(address) > 320:
        return None
    if not 0 < history_id < 2**64:  # Gmail's historyId is an unsigned 64-bit number
        return None
    if message_id is not None and (not isinstance(message_id, str) or unsafe_text_reason(message_id)):
        return None
    return Notification(message_id[:200] if message_id else None, address.lower(), history_id)


async def gmail_push(request: Request) -> Response:
    services = request.app.state.services
    verifier: PushVerifier = services.extras.setdefault("push_verifier", PushVerifier(services.settings))
    try:
        await verifier.verify(bearer_token(request.headers.get("authorization")))
    except PushRejected as rejected:
        log.warning("push rejected (%s): %s", rejected.status, rejected)
        return JSONResponse({"error": str(rejected)}, status_code=rejected.status)
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        body = None
    notification = decode_notification(body)
    if notification is None:
        log.warning("authentic push with an unreadable payload; acknowledged")
        return Response(status_code=204)
    try:
        async with services.sessions() as session:
            return await _act_once(services, session, notification)
    except IntegrityError:  # the same messageId raced in on another connection: it is handled there
        return Response(status_code=204)


async def _act_once(services: Any, session: AsyncSession, notification: Notification) -> Response:
    if notification.message_id is not None:
        if await session.get(PushReceipt, notification.message_id) is not None:
            log.info("push %s already handled; acknowledged", notification.message_id)
            return Response(status_code=204)
        session.add(PushReceipt(message_id=notification.message_id))
    account = (await session.exec(select(MailAccount).where(MailAccount.email == notification.address))).first()
    if account is None or account.state != AccountState.ACTIVE:
        await session.commit()
        return Response(status_code=204)
    if account.history_id is not None and notification.history_id <= account.history_id:
        await session.commit()
        return Response(status_code=204)  # already synced past it: coalesced
    try:
        services.extras["enqueue_sync"](account.id)
    except Exception as error:  # the broker is down: store nothing, let Pub/Sub deliver it again
        await session.rollback()
        log.warning("push for %s not acted on, Pub/Sub will retry: enqueue failed: %r", notification.address, error)
        return JSONResponse({"error": "temporarily unavailable"}, status_code=503, headers={"Retry-After": "10"})
    await session.commit()
    return Response(status_code=204)
