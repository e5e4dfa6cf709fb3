"""The recipient rows of an email: written with its recipients, kept in step with draft edits, marked SENT."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Update, Uuid, bindparam
from sqlmodel import Session, col, delete, select, update

from domain.ledger.precedence import DeliveryState, RecipientRole
from domain.records import OutboundEmail, OutboundRecipient
from domain.records.fresh import fresh
from domain.records.ids import new_id
from domain.records.types import UTCDateTime


def wanted(email: OutboundEmail) -> list[tuple[RecipientRole, str]]:
    """The email's recipients in order: To, then Cc, then Bcc."""
    return [
        *((RecipientRole.TO, a) for a in email.to),
        *((RecipientRole.CC, a) for a in email.cc),
        *((RecipientRole.BCC, a) for a in email.bcc),
    ]


def sync_recipients(session: Session, email: OutboundEmail, now: datetime) -> None:
    """Make the email's rows match its To/Cc/Bcc. Only drafts change recipients, and a draft's rows
    carry no delivery state yet, so they are simply written again."""
    session.flush()
    session.exec(delete(OutboundRecipient).where(col(OutboundRecipient.email_id) == email.id))
    session.add_all(_rows(email, now))


def add_recipients(session: Session, email: OutboundEmail, now: datetime) -> None:
    """Write a new email's rows (it has none yet)."""
    session.add_all(_rows(email, now))


def _rows(email: OutboundEmail, now: datetime, state: DeliveryState | None = None) -> list[OutboundRecipient]:
    return [
        fresh(
            OutboundRecipient,
            id=new_id(),  # not its default factory: pydantic inspects one at each use
            organization_id=email.organization_id,
            email_id=email.id,
            address=address,
            role=role,
            position=position,
            delivery_state=state,
            detected_at=None,
            updated_at=now,
        )
        for position, (role, address) in enumerate(wanted(email))
    ]


def mark_sent(session: Session, email_id: uuid.UUID, now: datetime) -> None:
    """Gmail accepted the email: every recipient without news yet is SENT (one statement).

    Run on the session's connection, past the ORM: call it with none of the email's recipient rows
    loaded in `session` (they would not see the change).
    """
    R = OutboundRecipient
    result = session.connection().execute(_mark_sent(), {"b_email_id": email_id, "now": now})
    if result.rowcount == 0 and not session.exec(select(R.id).where(R.email_id == email_id).limit(1)).first():
        email = session.get(OutboundEmail, email_id)  # written before the ledger existed
        if email is not None:
            session.add_all(_rows(email, now, DeliveryState.SENT))


@lru_cache(maxsize=1)
def _mark_sent() -> Update:
    """`mark_sent`'s UPDATE, built once."""
    R = OutboundRecipient
    return (
        update(R)
        .where(col(R.email_id) == bindparam("b_email_id", type_=Uuid()), col(R.delivery_state).is_(None))
        .values(delivery_state=DeliveryState.SENT, updated_at=bindparam("now", type_=UTCDateTime()))
    )


def rows_of(session: Session, email_id: uuid.UUID) -> list[OutboundRecipient]:
    """The email's rows in recipient order (callers hold the email's row lock while changing them)."""
    return list(
        session.exec(
            select(OutboundRecipient)
            .where(OutboundRecipient.email_id == email_id)
            .order_by(col(OutboundRecipient.position))
        )
    )
