"""Signing and reading client tokens: compact JWTs (RFC 7519), HS256, with a key id for rotation.

Keys come from `client_token_keys` (`kid:secret`, newest first: new tokens are signed with the
first, any listed key still verifies, so a key is rotated by prepending a new one and dropped
once the longest-lived token signed with it has expired). Without that setting one key is derived
(HKDF, RFC 5869) from the first credentials key, so every process of a deployment agrees with no
extra secret to distribute. Reading a token needs no database: the signature, the audience and
the expiry say everything.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.grants import ClientGrant, ContextRef, Scope
from domain.settings import Settings

ISSUER = "mailtrail"
AUDIENCE = "mailtrail-client"
ALGORITHM = "HS256"


class TokenExpired(Exception):
    """The client token was genuine but its time is up."""


class TokenInvalid(Exception):
    """Not a client token this deployment signed (bad signature, unknown key, wrong audience, ...)."""


@dataclass(frozen=True, slots=True)
class ClientClaims:
    """What a verified client token says."""

    token_id: uuid.UUID
    organization_id: uuid.UUID
    parent_id: uuid.UUID
    scopes: frozenset[Scope]
    contexts: tuple[ContextRef, ...] | None
    expires_at: float


def looks_like_client_token(token: str) -> bool:
    """A JWS compact serialisation of a JSON header starts with `eyJ` (`{"`); API tokens with `mt_`."""
    return token.startswith("eyJ") and token.count(".") == 2


class ClientTokenKeys:
    """The keys of this deployment, by id; the first one signs."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("at least one client token key is needed")
        self.signing_kid, self.signing_key = keys[0]
        self.by_kid = dict(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientTokenKeys:
        """The configured keys, or one derived from the first credentials key."""
        configured = []
        for key in settings.client_token_keys:
            kid, _, secret = key.get_secret_value().partition(":")
            configured.append((kid, secret.encode()))
        if configured:
            return cls(configured)
        root = settings.credentials_keys[0].get_secret_value().encode()
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"mailtrail client tokens v1").derive(root)
        return cls([("d-" + hashlib.sha256(derived).hexdigest()[:12], derived)])

    def sign(
        self, organization_id: uuid.UUID, parent_id: uuid.UUID, grant: ClientGrant, now: float | None = None
    ) -> tuple[str, ClientClaims]:
        """A new client token for `grant`, and what it says."""
        issued = int(now if now is not None else time.time())
        claims = ClientClaims(
            token_id=uuid.uuid4(),
            organization_id=organization_id,
            parent_id=parent_id,
            scopes=grant.scopes,
            contexts=grant.contexts,
            expires_at=float(issued + grant.ttl_seconds),
        )
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(organization_id),
            "jti": str(claims.token_id),
            "iat": issued,
            "exp": issued + grant.ttl_seconds,
            "via": str(parent_id),
            "scp": sorted(grant.scopes),
        }
        if grant.contexts is not None:
            payload["ctx"] = [[ref.context_type, str(ref.context_id)] for ref in grant.contexts]
        token = jwt.encode(payload, self.signing_key, algorithm=ALGORITHM, headers={"kid": self.signing_kid})
        return token, claims

    def verify(self, token: str) -> ClientClaims:
        """The claims of a genuine, unexpired token; TokenExpired or TokenInvalid otherwise."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.by_kid.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise TokenInvalid("unknown key id")
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
            contexts = None
            if "ctx" in payload:
                contexts = tuple(ContextRef(str(t), uuid.UUID(str(i))) for t, i in payload["ctx"])
            return ClientClaims(
                token_id=uuid.UUID(payload["jti"]),
                organization_id=uuid.UUID(payload["sub"]),
                parent_id=uuid.UUID(payload["via"]),
                scopes=frozenset(Scope(s) for s in payload["scp"] if s in Scope.__members__),
                contexts=contexts,
                expires_at=float(payload["exp"]),
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired from None
        except (jwt.InvalidTokenError, KeyError, TypeError, ValueError) as error:
            raise TokenInvalid(str(error)) from None
