"""Bearer-token authentication: a token sees only its own organization, within its scopes.

Two kinds of bearer token:
- API tokens (`mt_...`), for servers: looked up by hash, with a short in-process cache;
- client tokens (JWTs, api/token_keys.py), for browsers: verified by signature, no query. They
  live as long as the API token that minted them: its state comes from the same cache, so
  revoking an API token ends its client tokens within `token_cache_seconds` too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.token_keys import ClientTokenKeys, TokenExpired, TokenInvalid, looks_like_client_token
from domain.grants import ALL_SCOPES, ContextRef, Scope, stored_scopes
from domain.records import ApiToken, Organization
from domain.records.types import utcnow
from domain.tokens import hash_token
from workers import logs

_FAILED = object()
"""What a shared token lookup resolves to when the one making it failed."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: an organization, through an API token or a client token it minted."""

    organization_id: uuid.UUID
    token_id: uuid.UUID
    """The API token (for a client token: the one that minted it)."""
    scopes: frozenset[Scope] = ALL_SCOPES
    contexts: tuple[ContextRef, ...] | None = None
    """None: the whole organization; else only emails linked to one of these contexts."""
    client_id: uuid.UUID | None = None
    """The client token's own id (`jti`), None for an API token."""
    expires_at: float | None = None
    """Epoch seconds after which the token is refused (None: no expiry)."""
    rate_limit: int | None = None
    """The organization's requests per minute per token (None: the setting)."""

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    @property
    def actor(self) -> str:
        if self.client_id is not None:
            return f"api:client:{self.client_id}"
        return f"api:token:{self.token_id}"

    @property
    def limit_key(self) -> str:
        """What rate limits count per: each token on its own, client tokens included."""
        return str(self.client_id or self.token_id)


@dataclass(frozen=True)
class Refusal:
    """Why a token was refused: UNAUTHENTICATED or TOKEN_EXPIRED, and a message for people."""

    code: str
    message: str


MISSING = Refusal("UNAUTHENTICATED", "missing or invalid bearer token")
EXPIRED = Refusal("TOKEN_EXPIRED", "the bearer token has expired; get a new one")


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class TokenAuthenticator:
    """Looks API tokens up by hash, with a short in-process cache so most requests skip the query.

    The cache trades at most `ttl` seconds of revocation lag for one round trip per request.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ttl: float = 30.0,
        size: int = 4096,
        keys: ClientTokenKeys | None = None,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._size = size
        self._keys = keys
        self._cache: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._loading: dict[str, asyncio.Future[Principal | object | None]] = {}

    @property
    def keys(self) -> ClientTokenKeys:
        """The keys client tokens are signed and verified with."""
        if self._keys is None:
            raise RuntimeError("this authenticator was built without client token keys")
        return self._keys

    async def authenticate(self, token: str | None) -> Principal | None:
        """The principal of a valid token, or None."""
        checked = await self.check(token)
        return checked if isinstance(checked, Principal) else None

    async def check(self, token: str | None) -> Principal | Refusal:
        """The principal of a valid token, or why it is refused."""
        if not token or len(token) > 4096:
            return MISSING
        if looks_like_client_token(token):
            return await self._check_client(token)
        if len(token) > 512:
            return MISSING
        hashed = hash_token(token)
        principal = await self._api_token("hash:" + hashed, lambda: ApiToken.token_hash == hashed)
        if principal is None:
            return MISSING
        if principal.expires_at is not None and principal.expires_at <= time.time():
            return EXPIRED
        return principal

    async def _check_client(self, token: str) -> Principal | Refusal:
        if self._keys is None:
            return MISSING
        try:
            claims = self._keys.verify(token)
        except TokenExpired:
            return EXPIRED
        except TokenInvalid:
            return MISSING
        parent = await self._api_token(f"id:{claims.parent_id}", lambda: ApiToken.id == claims.parent_id)
        if parent is None or parent.organization_id != claims.organization_id:
            return MISSING
        if parent.expires_at is not None and parent.expires_at <= time.time():
            return EXPIRED
        return Principal(
            organization_id=claims.organization_id,
            token_id=parent.token_id,
            scopes=claims.scopes & parent.scopes,  # a parent narrowed later narrows its client tokens
            contexts=claims.contexts,
            client_id=claims.token_id,
            expires_at=claims.expires_at if parent.expires_at is None else min(claims.expires_at, parent.expires_at),
            rate_limit=parent.rate_limit,
        )

    async def _api_token(self, key: str, where: Callable[[], object]) -> Principal | None:
        principal = await self._cached_or_loaded(key, where)
        if principal is not None:
            logs.bind(organization_id=principal.organization_id)
        return principal

    async def _cached_or_loaded(self, key: str, where: Callable[[], object]) -> Principal | None:
        """From the cache, or from one query however many ask at once (`where` builds its condition:
        only a miss pays for building a SQL expression).

        Every open subscription looks at its token again each `ttl`: thousands of them on one token
        would otherwise all miss the moment its entry expires and queue a query each for the pool.
        """
        while True:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            loading = self._loading.get(key)
            if loading is None:
                break
            loaded = await asyncio.shield(loading)
            if loaded is not _FAILED:  # else the one loading it failed or went away: try ourselves
                return loaded  # type: ignore[return-value]
        future: asyncio.Future[Principal | object | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            principal = await self._load(key, where)
        except BaseException:
            future.set_result(_FAILED)
            raise
        else:
            future.set_result(principal)
        finally:
            del self._loading[key]
        return principal

    async def _load(self, key: str, where: Callable[[], object]) -> Principal | None:
        async with self._sessions() as session:
            row = (
                await session.exec(
                    select(ApiToken, Organization.rate_limit_per_minute)
                    .join(Organization, col(Organization.id) == col(ApiToken.organization_id))
                    .where(where(), col(ApiToken.revoked_at).is_(None))  # type: ignore[arg-type]
                )
            ).first()
            if row is not None:
                # Written once per cache period at most: "last used" is accurate to token_cache_seconds.
                await session.exec(update(ApiToken).where(col(ApiToken.id) == row[0].id).values(last_used_at=utcnow()))
                await session.commit()
        principal = None
        if row is not None:
            token, rate_limit = row
            principal = Principal(
                organization_id=token.organization_id,
                token_id=token.id,
                scopes=stored_scopes(token.scopes),
                expires_at=token.expires_at.timestamp() if token.expires_at is not None else None,
                rate_limit=rate_limit,
            )
        # Refusals are cached too (briefly), so a flood of bad tokens costs no query each.
        self._cache[key] = (time.monotonic() + (self._ttl if principal is not None else min(self._ttl, 2.0)), principal)
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return principal

    def forget(self) -> None:
        """Drop every cached answer (after a revocation in this process, say)."""
        self._cache.clear()
