"""OAuth for the emulator: consent, codes with PKCE, access/refresh tokens, scopes, revocation, and
the RSA key that signs push JWTs (served as certificates like Google's oauth2/v1/certs).

Scope rules (gmail-api.md §9): gmail.send may only send; gmail.readonly reads; gmail.modify and
https://mail.google.com/ do both.

The token endpoint authenticates the OAuth client as Google's does (RFC 6749 §2.3.1, client id and
secret as HTTP Basic or in the form): no client id is 400 `invalid_request`; an unknown id or a
wrong secret is 401 `invalid_client`, which google-auth raises as RefreshError.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

GMAIL = "https://www.googleapis.com/auth/gmail."
FULL = "https://mail.google.com/"
READ_SCOPES = {GMAIL + "readonly", GMAIL + "modify", FULL, GMAIL + "metadata"}
SEND_SCOPES = {GMAIL + "send", GMAIL + "compose", GMAIL + "modify", FULL}
WATCH_SCOPES = READ_SCOPES
DEFAULT_SCOPES = [GMAIL + "send", GMAIL + "readonly"]
SANDBOX_CLIENT_ID = "sandbox-client.apps.googleusercontent.com"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"


@dataclass
class Grant:
    mailbox: str
    scopes: list[str]
    refresh_token: str
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires_at: float


@dataclass
class PendingCode:
    mailbox: str
    scopes: list[str]
    client_id: str
    redirect_uri: str
    challenge: str | None
    method: str | None
    created: float = field(default_factory=time.time)


class Authority:
    """Issues and checks tokens; thread-safe."""

    def __init__(self, token_lifetime: float = 3600.0, clients: dict[str, str] | None = None) -> None:
        self.lock = threading.Lock()
        self.token_lifetime = token_lifetime
        default = {SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET}
        self.clients: dict[str, str] = dict(clients if clients is not None else default)  # id -> secret
        self.grants: dict[str, Grant] = {}  # refresh token -> grant
        self.tokens: dict[str, AccessToken] = {}
        self.codes: dict[str, PendingCode] = {}
        self.default_mailbox: str | None = None
        self.consent_scopes: list[str] | None = None  # scopes the "user" grants; None = what was asked

    def issue(
        self,
        mailbox: str,
        scopes: list[str] | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> tuple[str, str]:
        """A grant for `mailbox`: (access token, refresh token)."""
        with self.lock:
            grant = Grant(
                mailbox.lower(), list(scopes or DEFAULT_SCOPES), refresh_token or "1//" + secrets.token_urlsafe(32)
            )
            self.grants[grant.refresh_token] = grant
            token = self._new_access(grant, access_token)
            return token.token, grant.refresh_token

    def _new_access(self, grant: Grant, value: str | None = None, lifetime: float | None = None) -> AccessToken:
        token = AccessToken(
            value or "ya29." + secrets.token_urlsafe(32),
            grant,
            time.time() + (self.token_lifetime if lifetime is None else lifetime),
        )
        self.tokens[token.token] = token
        return token

    def check(self, bearer: str | None) -> AccessToken | None:
        with self.lock:
            token = self.tokens.get(bearer or "")
            if token is None or token.grant.revoked or token.expires_at <= time.time():
                return None
            return token

    def expire(self, access_token: str) -> None:
        with self.lock:
            if access_token in self.tokens:
                self.tokens[access_token].expires_at = 0

    def revoke(self, token: str) -> bool:
        """Revoke the grant behind a refresh or access token (Google revokes the whole grant)."""
        with self.lock:
            grant = self.grants.get(token) or (self.tokens[token].grant if token in self.tokens else None)
            if grant is None:
                return False
            grant.revoked = True
            return True

    def revoke_mailbox(self, mailbox: str) -> int:
        with self.lock:
            count = 0
            for grant in self.grants.values():
                if grant.mailbox == mailbox.lower() and not grant.revoked:
                    grant.revoked = True
                    count += 1
            return count

    def start_consent(
        self,
        client_id: str,
        redirect_uri: str,
        scope: str,
        login_hint: str | None,
        challenge: str | None,
        method: str | None,
    ) -> str:
        with self.lock:
            mailbox = (login_hint or self.default_mailbox or "").lower()
            asked = scope.split()
            scopes = [s for s in asked if self.consent_scopes is None or s in self.consent_scopes]
            code = "4/" + secrets.token_urlsafe(24)
            self.codes[code] = PendingCode(mailbox, scopes, client_id, redirect_uri, challenge, method)
            return code

    def register_client(self, client_id: str, client_secret: str) -> None:
        with self.lock:
            self.clients[client_id] = client_secret

    def knows_client(self, client_id: str | None) -> bool:
        with self.lock:
            return client_id is not None and client_id in self.clients

    def client_error(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]] | None:
        """Google's answer when the request does not authenticate a registered client, else None."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return 400, {"error": "invalid_request", "error_description": "Invalid authorization header."}
            basic_id, _, basic_secret = decoded.partition(":")
            basic_id, basic_secret = urllib.parse.unquote_plus(basic_id), urllib.parse.unquote_plus(basic_secret)
            if client_id is not None and client_id != basic_id:
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
            client_id, client_secret = basic_id, basic_secret
        if not client_id:
            return 400, {"error": "invalid_request", "error_description": "Could not determine client ID from request."}
        with self.lock:
            expected = self.clients.get(client_id)
        if expected is None:
            return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
        if not hmac.compare_digest((client_secret or "").encode(), expected.encode()):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        return None

    def token_endpoint(self, form: dict[str, str], authorization: str | None = None) -> tuple[int, dict[str, Any]]:
        """POST /token: refresh and authorization-code grants, for an authenticated client only."""
        refused = self.client_error(form, authorization)
        if refused is not None:
            return refused
        grant_type = form.get("grant_type")
        with self.lock:
            if grant_type == "refresh_token":
                grant = self.grants.get(form.get("refresh_token", ""))
                if grant is None or grant.revoked:
                    return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
                token = self._new_access(grant)
                return 200, {
                    "access_token": token.token,
                    "expires_in": int(self.token_lifetime),
                    "scope": " ".join(grant.scopes),
                    "token_type": "Bearer",
                }
            if grant_type == "authorization_code":
                pending = self.codes.pop(form.get("code", ""), None)
                if pending is None or time.time() - pending.created > 600:
                    return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
                if pending.redirect_uri != form.get("redirect_uri"):
                    return 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
                if pending.challenge:
                    verifier = form.get("code_verifier", "")
                    expected = (
                        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                        if pending.method == "S256"
                        else verifier
                    )
                    if expected != pending.challenge:
                        return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
                grant = Grant(pending.mailbox, pending.scopes, "1//" + secrets.token_urlsafe(32))
                self.grants[grant.refresh_token] = grant
                token = self._new_access(grant)
                return 200, {
                    "access_token": token.token,
                    "refresh_token": grant.refresh_token,
                    "expires_in": int(self.token_lifetime),
                    "scope": " ".join(grant.scopes),
                    "token_type": "Bearer",
                }
        return 400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant_type}"}


class Signer:
    """The emulator's RSA key: signs push JWTs; its certificate is served like Google's certs."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(20)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailtrail-sandbox")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        self._signer = crypt.RSASigner.from_string(self.private_pem, self.key_id)  # type: ignore[no-untyped-call]

    def certs(self) -> dict[str, str]:
        return {self.key_id: self.cert_pem}

    def sign(self, claims: dict[str, Any]) -> str:
        token = jwt.encode(self._signer, claims)  # type: ignore[no-untyped-call]
        return token.decode() if isinstance(token, bytes) else str(token)
