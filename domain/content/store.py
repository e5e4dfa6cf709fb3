"""Use cases over context data: register a context type, push an entity, the formatting defaults."""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from domain.content.context import ContextTypeSpec, Formatting
from domain.content.fields import (
    MAX_URL,
    FieldSpec,
    check_context_type_name,
    data_hash,
    data_to_json,
    parse_data,
    specs_from_json,
)
from domain.content.formatting import check_locale, check_timezone
from domain.errors import DomainError, ErrorCode, NotFound
from domain.records import ContentSettings, ContextEntity, ContextEntityVersion, ContextType, utcnow

MAX_SAMPLE_BYTES = 64 * 1024


def check_provider_url(url: str | None, allow_insecure: bool) -> str | None:
    """An https URL (http too outside production, for local development and tests)."""
    if url is None or url == "":
        return None
    problem = None
    parts = urlsplit(url)
    if len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        problem = "providerUrl must be a URL without spaces, at most 2048 characters"
    elif parts.scheme not in ("https", "http") or not parts.hostname:
        problem = "providerUrl must be an https URL"
    elif parts.scheme == "http" and not allow_insecure:
        problem = "providerUrl must use https"
    elif parts.username or parts.password:
        problem = "providerUrl must not carry credentials; requests are signed instead"
    if problem:
        raise DomainError(ErrorCode.INVALID_INPUT, problem, "providerUrl")
    return url


def is_public_address(address: str) -> bool:
    """Not loopback, private, link-local or otherwise reserved (what a provider may resolve to in production)."""
    ip = ipaddress.ip_address(address)
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast)


def spec_of(row: ContextType) -> ContextTypeSpec:
    fields = specs_from_json(row.fields)
    return ContextTypeSpec(row.name, fields, parse_data(fields, row.sample_data, strict=False), row.provider_url)


def get_context_type(session: Session, organization_id: uuid.UUID, name: str) -> ContextType:
    """The organization's context type; another organization's is not found."""
    row = session.exec(
        select(ContextType).where(ContextType.organization_id == organization_id, ContextType.name == name)
    ).first()
    if row is None:
        raise NotFound(f"context type {name!r}", "contextType")
    return row


def list_context_types(session: Session, organization_id: uuid.UUID) -> list[ContextType]:
    return list(
        session.exec(
            select(ContextType).where(ContextType.organization_id == organization_id).order_by(col(ContextType.name))
        )
    )


def register_context_type(
    session: Session,
    organization_id: uuid.UUID,
    name: str,
    fields: Iterable[FieldSpec],
    sample_data: Any,
    provider_url: str | None,
    *,
    allow_insecure_provider: bool = False,
    now: datetime | None = None,
) -> ContextType:
    """Create the context type, or replace its fields, sample data and provider (same name)."""
    now = now or utcnow()
    check_context_type_name(name)
    specs = tuple(fields)
    if not specs:
        raise DomainError(ErrorCode.INVALID_INPUT, "a context type needs at least one field", "fields")
    try:
        sample = parse_data(specs, sample_data if sample_data is not None else {})
    except DomainError as error:
        raise DomainError(error.code, f"sampleData: {error.message}", "sampleData") from None
    sample_json = data_to_json(sample)
    if len(json.dumps(sample_json)) > MAX_SAMPLE_BYTES:
        raise DomainError(ErrorCode.INVALID_CONTEXT_DATA, "sampleData is larger than 64 KB", "sampleData")
    url = check_provider_url(provider_url, allow_insecure_provider)
    row = session.exec(
        select(ContextType)
        .where(ContextType.organization_id == organization_id, ContextType.name == name)
        .with_for_update()
    ).first()
    if row is None:
        row = ContextType(organization_id=organization_id, name=name, created_at=now)
    row.fields = [spec.to_json() for spec in specs]
    row.sample_data = sample_json
    row.provider_url = url
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def put_entity(
    session: Session,
    organization_id: uuid.UUID,
    context_type: str,
    context_id: uuid.UUID,
    data: Any,
    actor: str,
    now: datetime | None = None,
) -> ContextEntity:
    """Store the app's snapshot of one entity: a new version, the last write wins, every one audited."""
    now = now or utcnow()
    spec = spec_of(get_context_type(session, organization_id, context_type))
    typed = parse_data(spec.fields, data)
    canonical, digest = data_to_json(typed), data_hash(typed)
    if len(json.dumps(canonical)) > MAX_SAMPLE_BYTES:
        raise DomainError(ErrorCode.INVALID_CONTEXT_DATA, "data is larger than 64 KB", "data")
    row = session.exec(
        select(ContextEntity)
        .where(
            ContextEntity.organization_id == organization_id,
            ContextEntity.context_type == context_type,
            ContextEntity.context_id == context_id,
        )
        .with_for_update()
    ).first()
    if row is None:
        row = ContextEntity(
            organization_id=organization_id,
            context_type=context_type,
            context_id=context_id,
            version=0,
            data_hash=digest,
            created_at=now,
        )
    row.version += 1
    row.data = canonical
    row.data_hash = digest
    row.updated_at = now
    session.add(row)
    session.add(
        ContextEntityVersion(
            organization_id=organization_id,
            context_type=context_type,
            context_id=context_id,
            version=row.version,
            data=canonical,
            data_hash=digest,
            actor=actor,
            created_at=now,
        )
    )
    session.flush()
    return row


def get_entity(
    session: Session, organization_id: uuid.UUID, context_type: str, context_id: uuid.UUID
) -> ContextEntity | None:
    return session.exec(
        select(ContextEntity).where(
            ContextEntity.organization_id == organization_id,
            ContextEntity.context_type == context_type,
            ContextEntity.context_id == context_id,
        )
    ).first()


def formatting_defaults(session: Session, organization_id: uuid.UUID) -> Formatting:
    """The organization's locale and timezone (en and UTC until it sets them)."""
    row = session.get(ContentSettings, organization_id)
    return Formatting(row.locale, row.timezone) if row else Formatting()


def update_formatting(
    session: Session, organization_id: uuid.UUID, locale: str | None, timezone: str | None
) -> ContentSettings:
    """Change the organization's default locale and/or timezone."""
    row = session.get(ContentSettings, organization_id, with_for_update=True)
    if row is None:
        row = ContentSettings(organization_id=organization_id)
    if locale is not None:
        row.locale = check_locale(locale)
    if timezone is not None:
        row.timezone = check_timezone(timezone)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row
