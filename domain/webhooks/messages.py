"""Turning audit events into webhook messages and deliveries (shared by the fan-out and redelivery).

Both may reach the same event for the same endpoint (a redelivery racing the fan-out), so rows
are inserted with ON CONFLICT DO NOTHING on their natural keys: one message per event, one
delivery per event and endpoint, whoever comes first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.events import ACCOUNT_KINDS
from domain.records import (
    MailAccount,
    OutboundEmail,
    OutboundEmailEvent,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
    WebhookMessage,
)
from domain.records.ids import new_id
from domain.seqset import SeqSet
from domain.updates import UpdateKind, build_update, update_kind
from domain.webhooks.payload import render
from domain.webhooks.signing import webhook_id

Snapshot = tuple[OutboundEmail | None, MailAccount | None]


def missing_events(known: SeqSet, organization_id: uuid.UUID | None = None) -> SelectOfScalar[OutboundEmailEvent]:
    """Events whose seq is not in `known`, oldest first (the subscriptions' replay, as a query)."""
    seq = col(OutboundEmailEvent.seq)
    after = known.floor
    query = select(OutboundEmailEvent).where(seq > after)
    holes = [(low, high) for low, high in known if high > after]
    if holes:
        query = query.where(not_(or_(*(and_(seq >= low, seq <= high) for low, high in holes))))
    if organization_id is not None:
        query = query.where(OutboundEmailEvent.organization_id == organization_id)
    return query.order_by(seq)


def wants(endpoint: WebhookEndpoint, kind: UpdateKind, email: OutboundEmail | None) -> bool:
    """Whether the endpoint's filters let this update through."""
    if endpoint.event_kinds is not None and kind.value not in endpoint.event_kinds:
        return False
    if endpoint.context_type is not None:
        return email is not None and email.context_type == endpoint.context_type
    return True


def snapshots(session: Session, email_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Snapshot]:
    """The current state of these emails with their accounts, in one statement."""
    ids = list(set(email_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(OutboundEmail, MailAccount)
        .join(MailAccount, col(MailAccount.id) == col(OutboundEmail.account_id))
        .where(col(OutboundEmail.id).in_(ids))
    ).all()
    return {email.id: (email, account) for email, account in rows}


def accounts_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, MailAccount]:
    """The accounts ACCOUNT_* events are about (their id is the event's email_id), in one statement."""
    if not ids:
        return {}
    return {a.id: a for a in session.exec(select(MailAccount).where(col(MailAccount.id).in_(set(ids)))).all()}


def _insert(session: Session, table: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _insert_many(
    session: Session, table: Any, rows: list[dict[str, Any]], keys: list[str], returning: Any
) -> list[Any]:
    """INSERT ... ON CONFLICT DO NOTHING for many rows: SQLAlchemy batches them into multi-row statements."""
    statement = _insert(session, table).on_conflict_do_nothing(index_elements=keys)
    if returning is None:
        session.execute(statement, rows)
        return []
    return list(session.execute(statement.returning(*returning), rows).all())


def ensure_messages(session: Session, items: list[tuple[OutboundEmailEvent, str, Snapshot]]) -> None:
    """Each event's message, rendered now with its cursor unless it exists already; one statement per batch."""
    rows = []
    about = accounts_by_id(session, [event.email_id for event, _c, _s in items if event.kind in ACCOUNT_KINDS])
    for event, cursor, (email, account) in items:
        update = build_update(
            event.kind, event.email_id, event.at, cursor, email, account, event.data, about.get(event.email_id)
        )
        rows.append(
            {
                "seq": event.seq,
                "organization_id": event.organization_id,
                "email_id": event.email_id,
                "kind": update.kind.value,
                "event": event.kind,
                "body": render(update),
                "created_at": event.at,
            }
        )
    if rows:
        _insert_many(session, WebhookMessage, rows, ["seq"], None)


@dataclass(frozen=True)
class NewDelivery:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    email_id: uuid.UUID
    seq: int


def ensure_deliveries(
    session: Session, pairs: list[tuple[OutboundEmailEvent, list[WebhookEndpoint]]], now: datetime
) -> list[NewDelivery]:
    """A PENDING delivery of each event to each of its endpoints that has none yet; the ones created."""
    rows = [
        {
            "id": new_id(),
            "webhook_id": webhook_id(endpoint.id, event.seq or 0),
            "endpoint_id": endpoint.id,
            "organization_id": event.organization_id,
            "seq": event.seq or 0,
            "email_id": event.email_id,
            "state": WebhookDeliveryState.PENDING.value,
            "attempts": 0,
            "series_started_at": now,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event, endpoints in pairs
        for endpoint in endpoints
    ]
    if not rows:
        return []
    D = WebhookDelivery
    returning = (col(D.id), col(D.endpoint_id), col(D.email_id), col(D.seq))
    created = _insert_many(session, WebhookDelivery, rows, ["endpoint_id", "seq"], returning)
    return [NewDelivery(row[0], row[1], row[2], row[3]) for row in created]


def wanted_endpoints(
    endpoints: list[WebhookEndpoint], event: OutboundEmailEvent, email: OutboundEmail | None
) -> list[WebhookEndpoint]:
    kind = update_kind(event.kind)
    return [e for e in endpoints if e.organization_id == event.organization_id and wants(e, kind, email)]


def chain_heads(deliveries: Iterable[NewDelivery]) -> list[uuid.UUID]:
    """The first delivery of each (endpoint, email): the later ones wait for it (per-email order)."""
    heads: dict[tuple[uuid.UUID, uuid.UUID], NewDelivery] = {}
    for item in deliveries:
        key = (item.endpoint_id, item.email_id)
        if key not in heads or item.seq < heads[key].seq:
            heads[key] = item
    return [item.id for item in heads.values()]


def next_in_chain(session: Session, delivery: WebhookDelivery) -> uuid.UUID | None:
    """The endpoint's next PENDING delivery for the same email, once this one is done."""
    D = WebhookDelivery
    return session.exec(
        select(D.id)
        .where(
            D.endpoint_id == delivery.endpoint_id,
            D.email_id == delivery.email_id,
            D.state == WebhookDeliveryState.PENDING,
            col(D.seq) > delivery.seq,
        )
        .order_by(col(D.seq))
        .limit(1)
    ).first()


def waits_for_earlier(session: Session, delivery: WebhookDelivery) -> bool:
    """An earlier event of the same email is still to be delivered to this endpoint.

    The earlier row is read FOR UPDATE: if its attempt is being recorded right now, this waits
    for that commit and sees the outcome. Otherwise a delivery could be skipped here while the
    recording transaction looked for a successor before this one was committed, and neither
    would enqueue it.
    """
    D = WebhookDelivery
    earlier = session.exec(
        select(D.id)
        .where(
            D.endpoint_id == delivery.endpoint_id,
            D.email_id == delivery.email_id,
            D.state == WebhookDeliveryState.PENDING,
            col(D.seq) < delivery.seq,
        )
        .limit(1)
        .with_for_update()
    ).first()
    return earlier is not None
