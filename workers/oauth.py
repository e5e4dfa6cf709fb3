"""The OAuth 2.0 authorization-code flow with PKCE against Google (or the emulator), via google-auth-oauthlib.

oauthlib refuses plain-http token endpoints and treats a narrower granted scope as an error; we
allow http only for loopback endpoints (the emulator) and check the granted scopes ourselves, so
a user who unticks a scope gets a clear message instead of a stack trace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from google_auth_oauthlib.flow import Flow

from domain.settings import Settings

CALLBACK_PATH = "/oauth/google/callback"
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in {"127.0.0.1", "localhost", "::1"}


class OAuthFailed(Exception):
    """The code exchange failed (bad code, wrong verifier, provider error)."""


@dataclass(frozen=True)
class Grant:
    token: str
    refresh_token: str | None
    scopes: list[str]
    expiry: datetime | None

    def credentials(self) -> dict[str, Any]:
        return {"token": self.token, "refresh_token": self.refresh_token, "scopes": self.scopes}


def redirect_uri(settings: Settings) -> str:
    return settings.base_url + CALLBACK_PATH


def _flow(settings: Settings, code_verifier: str) -> Flow:
    if _is_loopback(settings.oauth_token_url) and settings.oauth_token_url.startswith("http://"):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    config = {
        "web": {
            "client_id": settings.oauth_client_id or "mailtrail",
            "client_secret": settings.oauth_client_secret.get_secret_value(),
            "auth_uri": settings.oauth_auth_url,
            "token_uri": settings.oauth_token_url,
            "redirect_uris": [redirect_uri(settings)],
        }
    }
    return Flow.from_client_config(
        config,
        scopes=settings.oauth_scopes,
        redirect_uri=redirect_uri(settings),
        code_verifier=code_verifier,
        autogenerate_code_verifier=False,
    )


def authorization_url(settings: Settings, state: str, code_verifier: str, login_hint: str | None = None) -> str:
    """Where to send the user's browser: offline access, consent, S256 code challenge."""
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _ = _flow(settings, code_verifier).authorization_url(
        state=state, access_type="offline", prompt="consent", include_granted_scopes="true", **extra
    )
    return str(url)


def exchange_code(settings: Settings, code: str, code_verifier: str) -> Grant:
    """Trade the authorization code (with the PKCE verifier) for tokens."""
    flow = _flow(settings, code_verifier)
    try:
        token = flow.fetch_token(code=code)
    except Exception as exc:  # oauthlib and requests raise many types; all mean "no grant"
        raise OAuthFailed(f"the authorization code was refused: {exc}") from exc
    scope = token.get("scope") or []
    scopes = scope.split() if isinstance(scope, str) else list(scope)
    expires_at = token.get("expires_at")
    return Grant(
        token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        scopes=scopes,
        expiry=datetime.fromtimestamp(float(expires_at), UTC) if expires_at else None,
    )


def revoke(settings: Settings, token: str) -> bool:
    """Revoke a grant at the provider (RFC 7009 style, as Google's endpoint takes it); True when done."""
    try:
        response = httpx.post(settings.oauth_revoke_url, data={"token": token}, timeout=10)
    except httpx.HTTPError:
        return False
    return response.status_code == 200
