"""Ingesting a synced Gmail message: store it once, then link it to the outbound email it concerns.

A message can be the sent copy of an outbound email, a bounce (DSN) about one, or a reply (human
or automatic) to one. Each link records which evidence matched, and writes audit events in the
same transaction as the message row, so a replayed sync changes nothing.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from domain.autoreply import auto_reply_kind
from domain.bounces import Bounce, parse_bounce
from domain.events import EventKind, record_event
from domain.gateway import FetchedMessage
from domain.ledger import signals
from domain.ledger.apply import apply_signals
from domain.ledger.effects import SoftBouncePolicy
from domain.ledger.links import apply_bounce
from domain.records import Direction, EmailMessage, MailAccount, OutboundEmail, Relation, utcnow

log = logging.getLogger("mailtrail.ingest")
ACTOR = "worker:sync"
SOFT_BOUNCES = SoftBouncePolicy()
_HEADERS = email.parser.BytesHeaderParser(policy=email.policy.compat32)


@dataclass(frozen=True)
class Headers:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None
    to: str | None
    subject: str | None
    date: datetime | None
    mailtrail_id: str | None


def _ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part if part.startswith("<") else f"<{part}>" for part in value.replace(",", " ").split() if part)


def read_headers(raw: bytes) -> Headers:
    """The headers correlation needs, parsed leniently (compat32: fast, never raises on odd mail)."""
    message = _HEADERS.parsebytes(raw)

    def get(name: str) -> str | None:
        value = message.get(name)
        return str(value).strip() if value is not None else None

    date = None
    try:
        parsed = email.utils.parsedate_to_datetime(get("Date") or "")
        date = parsed if parsed.tzinfo else None
    except (TypeError, ValueError, IndexError):
        date = None
    in_reply_to = _ids(get("In-Reply-To"))
    return Headers(
        message_id=(_ids(get("Message-ID")) or (None,))[0],
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_ids(get("References")),
        from_address=get("From"),
        to=get("To"),
        subject=get("Subject"),
        date=date,
        mailtrail_id=get("X-Mailtrail-Id"),
    )


def ingest(
    session: Session,
    account: MailAccount,
    fetched: FetchedMessage,
    now: datetime | None = None,
    policy: SoftBouncePolicy = SOFT_BOUNCES,
) -> EmailMessage:
    """Upsert one synced message (unique per account and Gmail id) and correlate it if it is new."""
    now = now or utcnow()
    existing = session.exec(
        select(EmailMessage).where(
            EmailMessage.account_id == account.id, EmailMessage.gmail_id == fetched.provider_message_id
        )
    ).first()
    if existing is not None:
        existing.label_ids = list(fetched.label_ids)
        existing.history_id = fetched.history_id or existing.history_id
        session.add(existing)
        return existing
    headers = read_headers(fetched.raw)
    outbound = "SENT" in fetched.label_ids or _same_address(headers.from_address, account.email)
    message = EmailMessage(
        organization_id=account.organization_id,
        account_id=account.id,
        gmail_id=fetched.provider_message_id,
        thread_id=fetched.provider_thread_id,
        history_id=fetched.history_id,
        label_ids=list(fetched.label_ids),
        message_id_header=headers.message_id,
        in_reply_to=headers.in_reply_to,
        references=" ".join(headers.references) or None,
        from_address=headers.from_address,
        to_addresses=headers.to,
        subject=headers.subject,
        date=headers.date or fetched.internal_date,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        snippet=fetched.snippet,
        size_estimate=fetched.size_estimate,
        raw=fetched.raw,
        created_at=now,
    )
    session.add(message)
    session.flush()
    if outbound:
        _link_sent_copy(session, account, message, headers, now)
        return message
    bounce = parse_bounce(fetched.raw)
    if bounce is not None:
        _link_bounce(session, account, message, bounce, now, policy)
        return message
    _link_reply(session, account, message, headers, fetched.raw, now)
    return message


def _same_address(header: str | None, address: str) -> bool:
    return bool(header) and email.utils.parseaddr(header or "")[1].lower() == address.lower()


def _link_sent_copy(
    session: Session, account: MailAccount, message: EmailMessage, headers: Headers, now: datetime
) -> None:
    E = OutboundEmail
    conditions = [E.provider_message_id == message.gmail_id]
    outbound_id = _uuid(headers.mailtrail_id)
    if outbound_id is not None:
        conditions.append(E.id == outbound_id)
    found = session.exec(select(E).where(E.account_id == account.id, or_(*conditions)).with_for_update()).first()
    if found is None:
        return
    message.outbound_email_id = found.id
    message.relation = Relation.SENT_COPY
    message.correlation_evidence = (
        "provider_message_id" if found.provider_message_id == message.gmail_id else "x_mailtrail_id"
    )
    session.add(message)
    if found.email_message_uid is None:
        found.email_message_uid = message.id
        found.message_id_header = found.message_id_header or headers.message_id
        found.updated_at = now
        session.add(found)
        record_event(
            session,
            found,
            EventKind.SENT_COPY_LINKED,
            ACTOR,
            {
                "email_message_id": str(message.id),
                "gmail_id": message.gmail_id,
                "message_id_header": headers.message_id,
            },
            at=now,
        )


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _find_by_message_ids(session: Session, organization_id: uuid.UUID, ids: list[str]) -> OutboundEmail | None:
    if not ids:
        return None
    E = OutboundEmail
    return session.exec(
        select(E)
        .where(
            E.organization_id == organization_id,
            or_(col(E.message_id_header).in_(ids), col(E.local_message_id).in_(ids)),
        )
        .with_for_update()
    ).first()


def correlate_bounce(
    session: Session, account: MailAccount, message: EmailMessage, bounce: Bounce
) -> tuple[OutboundEmail | None, str | None]:
    """The outbound email a DSN is about, and which evidence said so (strongest first)."""
    org = account.organization_id
    if message.in_reply_to:
        found = _find_by_message_ids(session, org, [message.in_reply_to])
        if found:
            return found, "in_reply_to"
    original = [i for i in (bounce.original_message_id, bounce.original_headers_message_id) if i]
    found = _find_by_message_ids(session, org, [f"<{i.strip('<>')}>" for i in original])
    if found:
        return found, "original_message_id"
    outbound_id = _uuid(bounce.mailtrail_id)
    if outbound_id is not None:
        found = session.exec(
            select(OutboundEmail)
            .where(OutboundEmail.id == outbound_id, OutboundEmail.organization_id == org)
            .with_for_update()
        ).first()
        if found:
            return found, "x_mailtrail_id"
    refs = [r for r in (message.references or "").split() if r]
    found = _find_by_message_ids(session, org, refs)
    if found:
        return found, "references"
    found = session.exec(
        select(OutboundEmail)
        .where(OutboundEmail.account_id == account.id, OutboundEmail.provider_thread_id == message.thread_id)
        .order_by(col(OutboundEmail.sent_at).desc())
        .with_for_update()
    ).first()
    if found:
        return found, "gmail_thread"
    return None, None


def _link_bounce(
    session: Session,
    account: MailAccount,
    message: EmailMessage,
    bounce: Bounce,
    now: datetime,
    policy: SoftBouncePolicy,
) -> None:
    message.is_bounce = True
    message.bounce_details = bounce.to_details()
    message.bounce_report = signals.bounce_report(bounce, message.date)
    found, evidence = correlate_bounce(session, account, message, bounce)
    if found is None or evidence is None:
        session.add(message)
        log.info("bounce %s could not be correlated; kept as an uncorrelated bounce", message.gmail_id)
        return
    message.outbound_email_id = found.id
    message.relation = Relation.BOUNCE
    message.correlation_evidence = evidence
    session.add(message)
    apply_bounce(session, found, message, evidence, ACTOR, now, policy)


def _link_reply(
    session: Session, account: MailAccount, message: EmailMessage, headers: Headers, raw: bytes, now: datetime
) -> None:
    ids = [i for i in (headers.in_reply_to, *headers.references) if i]
    found = _find_by_message_ids(session, account.organization_id, ids)
    evidence = "in_reply_to" if found else None
    if found is None:
        found = session.exec(
            select(OutboundEmail)
            .where(OutboundEmail.account_id == account.id, OutboundEmail.provider_thread_id == message.thread_id)
            .order_by(col(OutboundEmail.sent_at).desc())
            .with_for_update()
        ).first()
        evidence = "gmail_thread" if found else None
    if found is None:
        return
    kind = auto_reply_kind(raw)
    message.auto_reply_kind = kind
    message.outbound_email_id = found.id
    message.relation = Relation.AUTO_REPLY if kind else Relation.REPLY
    message.correlation_evidence = evidence
    session.add(message)
    reply = signals.from_reply(
        headers.from_address, kind is not None, now, message.date, signals.correlation_of(evidence), message.id
    )
    record_event(
        session,
        found,
        EventKind.AUTO_REPLY_LINKED if kind else EventKind.REPLY_LINKED,
        ACTOR,
        {
            "email_message_id": str(message.id),
            "from": headers.from_address,
            "evidence": evidence,
            "auto_reply_kind": kind,
        },
        at=now,
    )
    apply_signals(session, found, [reply], ACTOR, now)
