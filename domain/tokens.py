"""API tokens: generated with enough entropy, stored as SHA-256 hashes only."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlmodel import Session, select

from domain.records import ApiToken, Organization

TOKEN_PREFIX = "mt_"


def hash_token(token: str) -> str:
    """The stored form of a token. SHA-256 is enough: tokens are 256-bit random, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def ensure_organization(session: Session, name: str) -> Organization:
    """The organization called `name`, created if it does not exist."""
    org = session.exec(select(Organization).where(Organization.name == name)).first()
    if org is None:
        org = Organization(name=name)
        session.add(org)
        session.flush()
    return org


def issue_token(session: Session, organization_id: uuid.UUID, name: str = "", token: str | None = None) -> str:
    """Create a token for the organization and return it; it cannot be read back later."""
    token = token or new_token()
    hashed = hash_token(token)
    if session.exec(select(ApiToken).where(ApiToken.token_hash == hashed)).first() is None:
        session.add(ApiToken(organization_id=organization_id, name=name, token_hash=hashed, hint=token[-4:]))
    return token
