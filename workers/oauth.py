"""The OAuth 2.0 authorization-code flow with PKCE against Google (or the emulator), via google-auth-oauthlib.

oauthlib refuses plain-http token endpoints and treats a narrower granted scope as an error; we
allow http only for loopback endpoints (the emulator) and check the granted scopes ourselves, so
a user who unticks a scope gets a clear message instead of a stack trace.
"""

from __future__ import annotations

import base64
import json
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
    hosted_domain: str | None = None
    """The Google Workspace domain (the ID token's `hd` claim), when an ID token came with the grant."""

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
        hosted_domain=hosted_domain(token.get("id_token")),
    )


def hosted_domain(id_token: object) -> str | None:
    """The `hd` claim of an ID token from the token endpoint, or None.

    Google documents `hd` as "the domain associated with the Google Workspace or Cloud organization
    of the user" (developers.google.com/identity/openid-connect/openid-connect). The token came
    straight from the token endpoint over TLS, which OpenID Connect Core §3.1.3.7 accepts in place
    of checking its signature; it only picks the safer of two daily caps, never grants anything.
    """
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    hd = claims.get("hd") if isinstance(claims, dict) else None
    return hd if isinstance(hd, str) and hd else None


def revoke(settings: Settings, token: str) -> bool:
    """Revoke a grant at the provider (RFC 7009 style, as Google's endpoint takes it); True when done."""
    try:
        response = httpx.post(settings.oauth_revoke_url, data={"token": token}, timeout=10)
    except httpx.HTTPError:
        return False
    return response.status_code == 200
