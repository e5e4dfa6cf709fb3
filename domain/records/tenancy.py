"""Organizations and their API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.records.ids import new_id
from domain.records.types import JSONType, UTCDateTime, utcnow


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    rate_limit_per_minute: int | None = Field(
        default=None, description="requests per minute per token; null: the setting"
    )


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 is stored, so a database leak does not leak tokens."""

    __tablename__ = "api_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=16, description="the last characters, to recognise a token")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    scopes: list[str] | None = Field(default=None, sa_type=JSONType, description="null: every scope (older tokens)")
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
