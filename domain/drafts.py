"""Use cases for drafts: create, edit, schedule, unschedule and delete them (their content is
validated by `domain.composing`, whose types are re-exported here for the callers that pass them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlmodel import Session, col, delete, select

from domain import send_window, validation
from domain.composing import PATCHABLE, AttachmentInput, Composed, DraftFields, Limits, compose
from domain.errors import DomainError, ErrorCode, NotFound
from domain.events import EventKind, record_event
from domain.ledger import book
from domain.lifecycle import Action, EmailStatus, advance
from domain.records import (
    MailAccount,
    OutboundAttachment,
    OutboundEmail,
    OutboundEmailEvent,
    OutboundRecipient,
    utcnow,
)
from domain.records.at_once import insert_at_once
from domain.records.fresh import fresh
from domain.records.ids import new_id
from domain.suppression import SendingAccount, check_not_suppressed

__all__ = [
    "PATCHABLE",
    "AttachmentInput",
    "Composed",
    "DraftFields",
    "Limits",
    "Ready",
    "add_attachments",
    "compose",
    "create_draft",
    "delete_draft",
    "get_email",
    "new_draft",
    "schedule_draft",
    "store_attachments",
    "unschedule_draft",
    "update_draft",
]


def get_email(
    session: Session, organization_id: uuid.UUID, email_id: uuid.UUID, *, lock: bool = False
) -> OutboundEmail:
    """The organization's email, or NotFound (also for another organization's email)."""
    query = select(OutboundEmail).where(OutboundEmail.id == email_id, OutboundEmail.organization_id == organization_id)
    if lock:
        query = query.with_for_update()
    email = session.exec(query).first()
    if email is None:
        raise NotFound("email")
    return email


def store_attachments(session: Session, email: OutboundEmail, attachments: list[validation.AttachmentData]) -> None:
    """Replace the email's attachments with `attachments`."""
    session.exec(delete(OutboundAttachment).where(col(OutboundAttachment.email_id) == email.id))
    add_attachments(session, email, attachments)


def add_attachments(session: Session, email: OutboundEmail, attachments: list[validation.AttachmentData]) -> None:
    """Write a new email's attachments (it has none yet)."""
    for position, item in enumerate(attachments):
        session.add(
            OutboundAttachment(
                email_id=email.id,
                position=position,
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.content),
                content=item.content,
            )
        )


def _changed_fields(composed: Composed) -> list[str]:
    names = sorted(composed.values)
    if composed.attachments is not None:
        names.append("attachments")
    return names


def create_draft(
    session: Session,
    organization_id: uuid.UUID,
    fields: DraftFields,
    actor: str,
    limits: Limits,
    now: datetime | None = None,
    allow_suppressed: bool = False,
) -> OutboundEmail:
    """Store a new DRAFT (validated first: nothing is stored on failure).

    A draft with a planned time is a send request: its suppressed recipients are refused unless
    `allow_suppressed`.
    """
    return new_draft(session, organization_id, fields, actor, limits, now, allow_suppressed)[0]


Ready = Callable[[OutboundEmail, Composed], None]
"""Checks and changes a new email's row before it is first written (sendEmail queues it there)."""


def new_draft(
    session: Session,
    organization_id: uuid.UUID,
    fields: DraftFields,
    actor: str,
    limits: Limits,
    now: datetime | None = None,
    allow_suppressed: bool = False,
    ready: Ready | None = None,
    deferred: bool = False,
) -> tuple[OutboundEmail, MailAccount | SendingAccount | None]:
    """`create_draft`, also returning the account it was checked against (a caller need not read it again).

    `ready` sees the validated row before its INSERT: an email sent at once is written PENDING in
    one statement rather than inserted as a DRAFT and updated. Its CREATED event still says DRAFT,
    the state it is created in before being queued in the same transaction.

    With `deferred`, an email without attachments on PostgreSQL is left unflushed with its
    recipients and events: the caller adds what it must and calls `write_new_email`, which writes
    them all in one statement.
    """
    now = now or utcnow()
    changes = {name: getattr(fields, name) for name in PATCHABLE}
    composed = compose(session, organization_id, changes, limits, now, probe_suppression=ready is not None)
    # The id and times given rather than left to their default factories: pydantic inspects a
    # factory's signature at each use, which cost more than the rest of building the row.
    email = fresh(
        OutboundEmail,
        id=new_id(),
        organization_id=organization_id,
        status=EmailStatus.DRAFT,
        created_at=now,
        updated_at=now,
        **composed.values,
    )
    email.allow_suppressed = allow_suppressed
    if email.planned_send_at is not None and not allow_suppressed:
        check_not_suppressed(session, organization_id, [*email.to, *email.cc, *email.bcc], composed.suppression)
    if ready is not None:
        ready(email, composed)
    session.add(email)
    if not (deferred and writes_at_once(session, composed)):
        # Written now: no relationship() links the email to its recipients and attachments, and
        # the unit of work was seen inserting an attachment before its email.
        session.flush()
    book.add_recipients(session, email, now)
    if composed.attachments:
        add_attachments(session, email, composed.attachments)
    record_event(session, email, EventKind.CREATED, actor, {"status": EmailStatus.DRAFT.value}, at=now)
    if email.planned_send_at is not None:
        record_event(
            session,
            email,
            EventKind.SCHEDULED,
            actor,
            {"planned_send_at": email.planned_send_at.isoformat()},
            at=now,
        )
    return email, composed.account


def writes_at_once(session: Session, composed: Composed) -> bool:
    """Whether a new email's rows can be written in one statement (domain/records/at_once.py)."""
    return not composed.attachments and session.get_bind().dialect.name == "postgresql"


def write_new_email(session: Session, email: OutboundEmail) -> None:
    """Write a `deferred` new email still pending in `session`, with its recipients and events, in
    one statement (in the order they were added); nothing when it was flushed already."""
    if email not in session.new:
        return
    related = [
        row
        for row in session.new
        if row is email or (isinstance(row, (OutboundRecipient, OutboundEmailEvent)) and row.email_id == email.id)
    ]
    tables = {OutboundEmail: 0, OutboundRecipient: 1, OutboundEmailEvent: 2}
    related.sort(key=lambda row: (tables[type(row)], inspect(row).insert_order))
    insert_at_once(session, related)


def update_draft(
    session: Session,
    organization_id: uuid.UUID,
    email_id: uuid.UUID,
    changes: Mapping[str, Any],
    actor: str,
    limits: Limits,
    now: datetime | None = None,
) -> OutboundEmail:
    """Apply a partial edit to a DRAFT; lists (recipients, attachments) are replaced whole."""
    now = now or utcnow()
    unknown = set(changes) - PATCHABLE
    if unknown:
        raise DomainError(ErrorCode.INVALID_INPUT, f"unknown fields: {sorted(unknown)}", None)
    email = get_email(session, organization_id, email_id, lock=True)
    advance(email.status, Action.EDIT)
    composed = compose(session, organization_id, changes, limits, now, current=email)
    for name, value in composed.values.items():
        setattr(email, name, value)
    if email.planned_send_at is not None and not email.allow_suppressed:
        check_not_suppressed(session, organization_id, [*email.to, *email.cc, *email.bcc])
    if composed.attachments is not None:
        store_attachments(session, email, composed.attachments)
    if {"to", "cc", "bcc"} & set(composed.values):
        book.sync_recipients(session, email, now)
    email.updated_at = now
    session.add(email)
    record_event(session, email, EventKind.UPDATED, actor, {"fields": _changed_fields(composed)}, at=now)
    return email


def schedule_draft(
    session: Session,
    organization_id: uuid.UUID,
    email_id: uuid.UUID,
    planned_send_at: datetime,
    actor: str,
    now: datetime | None = None,
    allow_suppressed: bool = False,
    send_before: datetime | None = None,
) -> OutboundEmail:
    """Plan a DRAFT's send; the scheduler moves it to PENDING when the time comes.

    Suppressed recipients are refused now, as sendEmail refuses them, unless `allow_suppressed`;
    the worker checks again before the Gmail call (an address may be suppressed meanwhile).
    With `send_before`, an email that cannot go out before then fails instead of going late.
    """
    now = now or utcnow()
    validation.check_planned_time(planned_send_at, now)
    send_window.check_send_before(send_before, planned_send_at, now)
    email = get_email(session, organization_id, email_id, lock=True)
    advance(email.status, Action.SCHEDULE)
    if not email.to and not email.cc and not email.bcc:
        raise DomainError(ErrorCode.RECIPIENT_REQUIRED, "a scheduled email needs at least one recipient", "to")
    if not allow_suppressed:
        check_not_suppressed(session, organization_id, [*email.to, *email.cc, *email.bcc])
    email.allow_suppressed = allow_suppressed
    email.planned_send_at = planned_send_at
    email.send_before = send_before
    email.updated_at = now
    session.add(email)
    scheduled: dict[str, Any] = {"planned_send_at": planned_send_at.isoformat()}
    if send_before is not None:
        scheduled["send_before"] = send_before.isoformat()
    record_event(session, email, EventKind.SCHEDULED, actor, scheduled, at=now)
    return email


def unschedule_draft(
    session: Session,
    organization_id: uuid.UUID,
    email_id: uuid.UUID,
    actor: str,
    now: datetime | None = None,
) -> OutboundEmail:
    """Cancel a DRAFT's planned send. It wins over the scheduler until the scheduler claims the row."""
    now = now or utcnow()
    email = get_email(session, organization_id, email_id, lock=True)
    advance(email.status, Action.UNSCHEDULE)
    previous = email.planned_send_at
    email.planned_send_at = None
    email.send_before = None
    email.updated_at = now
    session.add(email)
    record_event(
        session,
        email,
        EventKind.UNSCHEDULED,
        actor,
        {"was": previous.isoformat() if previous else None},
        at=now,
    )
    return email


def delete_draft(
    session: Session,
    organization_id: uuid.UUID,
    email_id: uuid.UUID,
    actor: str,
    now: datetime | None = None,
) -> uuid.UUID:
    """Delete a DRAFT for good; its audit trail stays."""
    email = get_email(session, organization_id, email_id, lock=True)
    advance(email.status, Action.DELETE)
    record_event(session, email, EventKind.DELETED, actor, {"subject": email.subject}, at=now)
    session.delete(email)
    return email_id
