"""Content records: context types and their entities, email templates, and how an email was rendered."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.records.ids import new_id
from domain.records.types import JSONType, UTCDateTime, utcnow


class ContextType(SQLModel, table=True):
    """A kind of app entity emails are about (an invoice): its fields, sample data and provider."""

    __tablename__ = "context_type"
    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_context_type_org_name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    name: str = Field(max_length=100)
    fields: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, description="[{key, label, type}]")
    sample_data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    provider_url: str | None = Field(default=None, max_length=2048)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContextEntity(SQLModel, table=True):
    """The latest snapshot the app pushed of one entity (last write wins)."""

    __tablename__ = "context_entity"
    __table_args__ = (
        UniqueConstraint("organization_id", "context_type", "context_id", name="uq_context_entity_org_type_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    context_type: str = Field(max_length=100)
    context_id: uuid.UUID
    version: int = 1
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, description="canonical JSON of the typed data")
    data_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContextEntityVersion(SQLModel, table=True):
    """Every snapshot ever pushed, with who pushed it: the audit of an entity's data."""

    __tablename__ = "context_entity_version"
    __table_args__ = (Index("ix_context_entity_version_entity", "organization_id", "context_type", "context_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    context_type: str = Field(max_length=100)
    context_id: uuid.UUID
    version: int
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    data_hash: str = Field(max_length=64)
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailTemplate(SQLModel, table=True):
    """A reusable subject and body with `{token}` placeholders; `version` grows with every edit."""

    __tablename__ = "email_template"
    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_email_template_org_name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    context_type: str = Field(max_length=100)
    locale: str | None = Field(default=None, max_length=35)
    subject: str = Field(default="", sa_type=Text)
    body_text: str | None = Field(default=None, sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailTemplateVersion(SQLModel, table=True):
    """A template as it was at one version. Not a foreign key: it outlives a deleted template,
    because sent emails name the version they were rendered from."""

    __tablename__ = "email_template_version"

    template_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    context_type: str = Field(max_length=100)
    locale: str | None = Field(default=None, max_length=35)
    subject: str = Field(default="", sa_type=Text)
    body_text: str | None = Field(default=None, sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboundEmailContent(SQLModel, table=True):
    """How an email's content was made from its context: the frozen record of what was rendered,
    and the send condition the worker checks again just before the Gmail call."""

    __tablename__ = "outbound_email_content"

    email_id: uuid.UUID = Field(foreign_key="outbound_email.id", primary_key=True, ondelete="CASCADE")
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    context_type: str = Field(max_length=100)
    context_id: uuid.UUID
    template_id: uuid.UUID | None = None
    template_version: int | None = None
    locale: str = Field(max_length=35)
    data_hash: str | None = Field(default=None, max_length=64, description="sha256 of the data rendered from")
    data_source: str | None = Field(default=None, max_length=50, description="snapshot v<N>, provider or sample")
    send_condition: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONType)
    fact_check: bool = False
    prompt_hint: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContentSettings(SQLModel, table=True):
    """An organization's default locale and timezone for formatting context values."""

    __tablename__ = "content_settings"

    organization_id: uuid.UUID = Field(foreign_key="organization.id", primary_key=True, ondelete="CASCADE")
    locale: str = Field(default="en", max_length=35)
    timezone: str = Field(default="UTC", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
