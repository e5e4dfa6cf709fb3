"""Bearer-token authentication: a token sees only its own organization."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.records import ApiToken
from domain.tokens import hash_token
from workers import logs


@dataclass(frozen=True)
class Principal:
    organization_id: uuid.UUID
    token_id: uuid.UUID

    @property
    def actor(self) -> str:
        return f"api:token:{self.token_id}"


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class TokenAuthenticator:
    """Looks tokens up by hash, with a short in-process cache so most requests skip the query.

    The cache trades at most `ttl` seconds of revocation lag for one round trip per request.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl: float = 30.0, size: int = 4096) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._size = size
        self._cache: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def authenticate(self, token: str | None) -> Principal | None:
        if not token or len(token) > 512:
            return None
        hashed = hash_token(token)
        hit = self._cache.get(hashed)
        if hit is not None and hit[0] > time.monotonic():
            logs.bind(organization_id=hit[1].organization_id)
            return hit[1]
        async with self._sessions() as session:
            row = (
                await session.exec(
                    select(ApiToken).where(ApiToken.token_hash == hashed, col(ApiToken.revoked_at).is_(None))
                )
            ).first()
        if row is None:
            self._cache.pop(hashed, None)
            return None
        principal = Principal(row.organization_id, row.id)
        logs.bind(organization_id=principal.organization_id)
        self._cache[hashed] = (time.monotonic() + self._ttl, principal)
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return principal

    def forget(self) -> None:
        self._cache.clear()
