"""Every Gmail failure becomes a domain gateway error here, and nowhere else.

Reasons and statuses follow Google's error catalogue (shared reference gmail-api.md §6): 429 and
403 rateLimitExceeded/userRateLimitExceeded are rate limits; 5xx, timeouts and resets are
transient; `invalid_grant` on refresh (google-auth raises RefreshError, not HttpError, §0.5)
and 403 insufficientPermissions mean the user must reconnect; a 404 without Google's error body
(Google's front end answers an HTML page for a path no API serves) is a wrong address; other 4xx
are permanent.
"""

from __future__ import annotations

import json
import socket
import ssl

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from domain.gateway import AuthRevoked, ConfigurationError, GatewayError, PermanentError, RateLimited, TransientError

RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded"}
AUTH_REASONS = {"insufficientPermissions", "authError", "invalidCredentials"}
TRANSIENT_STATUSES = {408, 500, 502, 503, 504}


def http_error_reason(error: HttpError) -> str | None:
    """The machine reason of a Google error (`e.reason` holds the message text, not this)."""
    details = getattr(error, "error_details", None)
    if isinstance(details, list) and details and isinstance(details[0], dict):
        reason = details[0].get("reason")
        if reason:
            return str(reason)
    try:
        body = json.loads(error.content)
        errors = body.get("error", {}).get("errors") or []
        if errors:
            return str(errors[0].get("reason"))
        status = body.get("error", {}).get("status")
        return str(status) if status else None
    except (ValueError, AttributeError, TypeError):
        return None


def http_error_message(error: HttpError) -> str:
    try:
        return str(json.loads(error.content)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return str(getattr(error, "reason", "") or error)


def translate(exc: BaseException) -> GatewayError:
    """The gateway error for any exception raised while talking to Gmail."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, HttpError):
        status = int(exc.resp.status)
        reason = http_error_reason(exc)
        message = f"Gmail {status} {reason or ''}: {http_error_message(exc)}".replace("  ", " ")
        if status == 429 or (status == 403 and reason in RATE_REASONS):
            retry_after = exc.resp.get("retry-after")
            daily = reason == "dailyLimitExceeded" or "daily" in message.lower()
            return RateLimited(
                message,
                retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                daily=daily,
                status=status,
                reason=reason,
            )
        if status in TRANSIENT_STATUSES:
            return TransientError(message, status=status, reason=reason)
        if status == 401 or (status == 403 and reason in AUTH_REASONS):
            return AuthRevoked(message, status=status, reason=reason)
        if status == 404 and reason is None:
            return ConfigurationError(
                f"{exc.uri} answered 404 without Gmail's error body: is the Gmail API URL right?", status=status
            )
        return PermanentError(message, status=status, reason=reason)
    if isinstance(exc, RefreshError):
        text = str(exc)
        if "invalid_grant" in text or "invalid_scope" in text:
            return AuthRevoked(f"Google refused the refresh token: {text}", reason="invalid_grant")
        return TransientError(f"token refresh failed: {text}")
    if isinstance(exc, (TransportError, socket.timeout, TimeoutError, ConnectionError, ssl.SSLError)):
        return TransientError(f"network error talking to Gmail: {exc!r}")
    if isinstance(exc, (httplib2.HttpLib2Error, OSError)):
        return TransientError(f"network error talking to Gmail: {exc!r}")
    raise exc
