"""Webhook endpoints of an organization: create, change, rotate the secret, delete.

The signing secret is generated here, returned once and stored encrypted (the `encrypt` and
`decrypt` callables are the credentials cipher). A rotation keeps the previous secret valid for
a while: messages carry a signature under each, so receivers can switch without losing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from domain.errors import DomainError, ErrorCode, NotFound
from domain.records import WebhookEndpoint, WebhookEndpointState, WebhookNotice, utcnow
from domain.updates import UpdateKind
from domain.webhooks.signing import new_secret
from domain.webhooks.targets import TargetPolicy, parse_target

MAX_ENDPOINTS = 20
MAX_DESCRIPTION = 500
MAX_CONTEXT_TYPE = 100
MAX_OVERLAP = timedelta(days=7)

Encrypt = Callable[[dict[str, Any]], str]
Decrypt = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class EndpointFields:
    url: str
    event_kinds: list[UpdateKind] | None = None
    context_type: str | None = None
    description: str | None = None


def _text(value: str | None, limit: int, field: str) -> str | None:
    if value is None:
        return None
    if len(value) > limit or "\x00" in value:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be at most {limit} characters", field)
    return value.strip() or None


def _kinds(kinds: list[UpdateKind] | None) -> list[str] | None:
    if kinds is None:
        return None
    if not kinds:
        raise DomainError(ErrorCode.INVALID_INPUT, "eventKinds: give at least one kind, or null for all", "eventKinds")
    return sorted({k.value for k in kinds})


def get_endpoint(session: Session, organization_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """The organization's endpoint, locked; NotFound for anyone else's."""
    endpoint = session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.organization_id == organization_id)
        .with_for_update()
    ).first()
    if endpoint is None:
        raise NotFound("webhook endpoint")
    return endpoint


def create_endpoint(
    session: Session,
    organization_id: uuid.UUID,
    fields: EndpointFields,
    policy: TargetPolicy,
    encrypt: Encrypt,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new ACTIVE endpoint and its signing secret (shown this once)."""
    now = now or utcnow()
    target = parse_target(fields.url, policy)
    count = session.exec(
        select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.organization_id == organization_id)
    ).one()
    if count >= MAX_ENDPOINTS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"an organization has at most {MAX_ENDPOINTS} webhook endpoints")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organization_id=organization_id,
        url=target.url,
        description=_text(fields.description, MAX_DESCRIPTION, "description"),
        event_kinds=_kinds(fields.event_kinds),
        context_type=_text(fields.context_type, MAX_CONTEXT_TYPE, "contextType"),
        secrets_encrypted=encrypt({"current": secret, "previous": None}),
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def update_endpoint(
    session: Session,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    changes: dict[str, Any],
    policy: TargetPolicy,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """Change the given fields; `enabled` re-activates a disabled endpoint (its failure count starts over)."""
    now = now or utcnow()
    endpoint = get_endpoint(session, organization_id, endpoint_id)
    if "url" in changes:
        endpoint.url = parse_target(changes["url"] or "", policy).url
    if "event_kinds" in changes:
        endpoint.event_kinds = _kinds(changes["event_kinds"])
    if "context_type" in changes:
        endpoint.context_type = _text(changes["context_type"], MAX_CONTEXT_TYPE, "contextType")
    if "description" in changes:
        endpoint.description = _text(changes["description"], MAX_DESCRIPTION, "description")
    enabled = changes.get("enabled")
    if enabled is True and endpoint.state != WebhookEndpointState.ACTIVE:
        endpoint.state = WebhookEndpointState.ACTIVE
        endpoint.disabled_at = None
        endpoint.disabled_reason = None
        endpoint.failing_since = None
        endpoint.consecutive_failures = 0
    elif enabled is False and endpoint.state != WebhookEndpointState.DISABLED:
        endpoint.state = WebhookEndpointState.DISABLED
        endpoint.disabled_at = now
        endpoint.disabled_reason = "disabled through the API"
    endpoint.updated_at = now
    session.add(endpoint)
    return endpoint


def delete_endpoint(session: Session, organization_id: uuid.UUID, endpoint_id: uuid.UUID) -> uuid.UUID:
    """Delete the endpoint with its deliveries and their log."""
    endpoint = get_endpoint(session, organization_id, endpoint_id)
    session.delete(endpoint)
    return endpoint_id


def rotate_secret(
    session: Session,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    keep_previous: timedelta,
    encrypt: Encrypt,
    decrypt: Decrypt,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the current one stays valid for `keep_previous` (messages are signed with both)."""
    now = now or utcnow()
    if keep_previous < timedelta(0) or keep_previous > MAX_OVERLAP:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "the previous secret may stay valid from 0 to 168 hours",
            "previousSecretValidHours",
        )
    endpoint = get_endpoint(session, organization_id, endpoint_id)
    current = decrypt(endpoint.secrets_encrypted)["current"]
    secret = new_secret()
    keep = keep_previous > timedelta(0)
    endpoint.secrets_encrypted = encrypt({"current": secret, "previous": current if keep else None})
    endpoint.previous_secret_expires_at = now + keep_previous if keep else None
    endpoint.updated_at = now
    session.add(endpoint)
    return endpoint, secret


def secrets_in_use(endpoint: WebhookEndpoint, decrypt: Decrypt, now: datetime) -> list[str]:
    """The secrets to sign with: the current one, and the previous one until it expires."""
    stored = decrypt(endpoint.secrets_encrypted)
    found = [str(stored["current"])]
    expires = endpoint.previous_secret_expires_at
    if stored.get("previous") and expires is not None and now < expires:
        found.append(str(stored["previous"]))
    return found


def disable_for_failures(session: Session, endpoint: WebhookEndpoint, now: datetime) -> WebhookNotice:
    """Disable an endpoint that kept failing, and leave the organization a notice saying so."""
    since = endpoint.failing_since.isoformat() if endpoint.failing_since else "a long time"
    reason = (
        f"every delivery failed since {since} ({endpoint.consecutive_failures} attempts in a row); "
        "fix the receiver, re-enable the endpoint and redeliver from your last cursor"
    )
    endpoint.state = WebhookEndpointState.DISABLED
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.updated_at = now
    session.add(endpoint)
    notice = WebhookNotice(
        organization_id=endpoint.organization_id,
        endpoint_id=endpoint.id,
        kind="endpoint_disabled",
        message=f"Webhook endpoint {endpoint.url} was disabled: {reason}",
        created_at=now,
    )
    session.add(notice)
    return notice


def endpoints_of(session: Session, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[WebhookEndpoint]]:
    """The ACTIVE endpoints of these organizations."""
    grouped: dict[uuid.UUID, list[WebhookEndpoint]] = {}
    if not organization_ids:
        return grouped
    rows = session.exec(
        select(WebhookEndpoint).where(
            col(WebhookEndpoint.organization_id).in_(organization_ids),
            WebhookEndpoint.state == WebhookEndpointState.ACTIVE,
        )
    ).all()
    for row in rows:
        grouped.setdefault(row.organization_id, []).append(row)
    return grouped
