"""API tokens: generated with enough entropy, stored as SHA-256 hashes only; listed, scoped, revoked."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from domain.errors import DomainError, ErrorCode, NotFound
from domain.records import ApiToken, Organization
from domain.records.types import utcnow

TOKEN_PREFIX = "mt_"


def hash_token(token: str) -> str:
    """The stored form of a token. SHA-256 is enough: tokens are 256-bit random, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh API token: the prefix and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def ensure_organization(session: Session, name: str) -> Organization:
    """The organization called `name`, created if it does not exist."""
    org = session.exec(select(Organization).where(Organization.name == name)).first()
    if org is None:
        org = Organization(name=name)
        session.add(org)
        session.flush()
    return org


def find_organization(session: Session, name: str) -> Organization:
    """The organization called `name`, or NotFound."""
    org = session.exec(select(Organization).where(Organization.name == name)).first()
    if org is None:
        raise NotFound("organization", "org")
    return org


def issue_token(
    session: Session,
    organization_id: uuid.UUID,
    name: str = "",
    token: str | None = None,
    scopes: Iterable[str] | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Create a token for the organization and return it; it cannot be read back later.

    `scopes` None gives every scope; `expires_at` None never expires.
    """
    return create_token(session, organization_id, name, token, scopes, expires_at)[0]


def create_token(
    session: Session,
    organization_id: uuid.UUID,
    name: str = "",
    token: str | None = None,
    scopes: Iterable[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """`issue_token`, also returning the stored row (the existing one if `token` was issued before)."""
    if len(name) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "name is longer than 200 characters", "name")
    if expires_at is not None and expires_at <= utcnow():
        raise DomainError(ErrorCode.INVALID_INPUT, "expiresAt must be in the future", "expiresAt")
    token = token or new_token()
    hashed = hash_token(token)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hashed)).first()
    if row is None:
        row = ApiToken(
            organization_id=organization_id,
            name=name,
            token_hash=hashed,
            hint=token[-4:],
            scopes=sorted(scopes) if scopes is not None else None,
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
    return token, row


def list_tokens(session: Session, organization_id: uuid.UUID, include_revoked: bool = False) -> list[ApiToken]:
    """The organization's API tokens, oldest first."""
    query = select(ApiToken).where(ApiToken.organization_id == organization_id)
    if not include_revoked:
        query = query.where(col(ApiToken.revoked_at).is_(None))
    return list(session.exec(query.order_by(col(ApiToken.created_at), col(ApiToken.id))))


def revoke_token(session: Session, organization_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken:
    """Revoke one of the organization's tokens (idempotent); another organization's is not found."""
    row = session.exec(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.organization_id == organization_id)
    ).first()
    if row is None:
        raise NotFound("token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


def set_rate_limit(session: Session, organization_id: uuid.UUID, per_minute: int | None) -> None:
    """Give the organization its own per-token rate limit (None: back to the setting)."""
    if per_minute is not None and per_minute < 1:
        raise DomainError(ErrorCode.INVALID_INPUT, "the rate limit must be at least 1 per minute", "perMinute")
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound("organization", "org")
    org.rate_limit_per_minute = per_minute
    session.add(org)
