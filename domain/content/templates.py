"""Email templates: create, edit (a new version each time), delete, read; tokens checked on save."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from domain import validation
from domain.content.formatting import check_locale
from domain.content.render import tokens_in
from domain.content.store import get_context_type, spec_of
from domain.errors import DomainError, ErrorCode, NotFound
from domain.records import EmailTemplate, EmailTemplateVersion, utcnow

MAX_BODY_CHARS = 500_000
EDITABLE = frozenset({"name", "context_type", "locale", "subject", "body_text", "body_html"})


@dataclass(frozen=True)
class TemplateFields:
    name: str
    context_type: str
    subject: str
    body_text: str | None = None
    body_html: str | None = None
    locale: str | None = None


def _check(session: Session, organization_id: uuid.UUID, values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalized template values; the tokens must be fields of the context type."""
    name = values["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "name must be 1 to 200 characters", "name")
    validation.check_header_value(name, "name")
    validation.check_subject(values["subject"])
    for key in ("body_text", "body_html"):
        if values.get(key) is not None and len(values[key]) > MAX_BODY_CHARS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{key} is longer than {MAX_BODY_CHARS} characters", key)
    if not values.get("body_text") and not values.get("body_html"):
        raise DomainError(ErrorCode.INVALID_INPUT, "a template needs bodyText or bodyHtml", "bodyText")
    locale = check_locale(values["locale"]) if values.get("locale") else None
    spec = spec_of(get_context_type(session, organization_id, values["context_type"]))
    unknown = sorted(
        {
            "{" + token + "}"
            for key in ("subject", "body_text", "body_html")
            for token in tokens_in(values.get(key))
            if token not in spec.known_tokens
        }
    )
    if unknown:
        raise DomainError(
            ErrorCode.UNRESOLVED_TOKENS,
            f"not available for context type {spec.name}: {', '.join(unknown)}",
            "subject",
        )
    return {**values, "name": name.strip(), "locale": locale}


def _record_version(session: Session, row: EmailTemplate, actor: str, now: datetime) -> None:
    session.add(
        EmailTemplateVersion(
            template_id=row.id,
            version=row.version,
            organization_id=row.organization_id,
            name=row.name,
            context_type=row.context_type,
            locale=row.locale,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            actor=actor,
            created_at=now,
        )
    )


def _name_taken(session: Session, organization_id: uuid.UUID, name: str, other_than: uuid.UUID | None) -> bool:
    query = select(EmailTemplate.id).where(EmailTemplate.organization_id == organization_id, EmailTemplate.name == name)
    if other_than is not None:
        query = query.where(EmailTemplate.id != other_than)
    return session.exec(query).first() is not None


def create_template(
    session: Session, organization_id: uuid.UUID, fields: TemplateFields, actor: str, now: datetime | None = None
) -> EmailTemplate:
    """Store a template at version 1."""
    now = now or utcnow()
    values = _check(session, organization_id, fields.__dict__)
    if _name_taken(session, organization_id, values["name"], None):
        raise DomainError(ErrorCode.INVALID_INPUT, f"a template named {values['name']!r} exists", "name")
    row = EmailTemplate(organization_id=organization_id, version=1, created_at=now, updated_at=now, **values)
    session.add(row)
    session.flush()
    _record_version(session, row, actor, now)
    return row


def get_template(
    session: Session, organization_id: uuid.UUID, template_id: uuid.UUID, lock: bool = False
) -> EmailTemplate:
    """The organization's template; another organization's is not found."""
    query = select(EmailTemplate).where(
        EmailTemplate.id == template_id, EmailTemplate.organization_id == organization_id
    )
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("template", "templateId")
    return row


def update_template(
    session: Session,
    organization_id: uuid.UUID,
    template_id: uuid.UUID,
    changes: Mapping[str, Any],
    actor: str,
    now: datetime | None = None,
) -> EmailTemplate:
    """Apply a partial edit as a new version (earlier versions stay readable)."""
    now = now or utcnow()
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError(ErrorCode.INVALID_INPUT, f"unknown fields: {sorted(unknown)}", None)
    row = get_template(session, organization_id, template_id, lock=True)
    current = {key: getattr(row, key) for key in EDITABLE}
    values = _check(session, organization_id, {**current, **changes})
    if _name_taken(session, organization_id, values["name"], row.id):
        raise DomainError(ErrorCode.INVALID_INPUT, f"a template named {values['name']!r} exists", "name")
    for key, value in values.items():
        setattr(row, key, value)
    row.version += 1
    row.updated_at = now
    session.add(row)
    _record_version(session, row, actor, now)
    return row


def delete_template(session: Session, organization_id: uuid.UUID, template_id: uuid.UUID) -> uuid.UUID:
    """Delete the template; its versions stay, because sent emails name the one they came from."""
    row = get_template(session, organization_id, template_id, lock=True)
    session.delete(row)
    return template_id


def list_templates(
    session: Session, organization_id: uuid.UUID, context_type: str | None = None
) -> list[EmailTemplate]:
    query = select(EmailTemplate).where(EmailTemplate.organization_id == organization_id)
    if context_type is not None:
        query = query.where(EmailTemplate.context_type == context_type)
    return list(session.exec(query.order_by(col(EmailTemplate.name))))
