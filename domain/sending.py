"""Use cases that ask for a send: send a draft, a new email or a reply; retry a failed one.

The email is recorded PENDING (with its audit events) in the caller's transaction; the caller
enqueues the send job only after that commit, so a worker never looks for a row it cannot see.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.utils import parseaddr

from sqlmodel import Session, select

from domain import mime, send_window
from domain.composing import PATCHABLE
from domain.drafts import (
    Composed,
    DraftFields,
    Limits,
    Ready,
    compose,
    get_email,
    new_draft,
    store_attachments,
    write_new_email,
)
from domain.errors import DomainError, ErrorCode
from domain.events import EventKind, record_event
from domain.lifecycle import Action, EmailStatus, advance
from domain.records import AccountState, EmailMessage, MailAccount, OutboundEmail, utcnow
from domain.records.fresh import assign
from domain.suppression import Probe, SendingAccount, check_not_suppressed


@dataclass(frozen=True)
class SendRequest:
    """One of: an existing draft (`draft_id`), a new email (`fields`), or a reply (`reply_to_message_id`)."""

    draft_id: uuid.UUID | None = None
    fields: DraftFields = field(default_factory=DraftFields)
    reply_to_message_id: uuid.UUID | None = None
    idempotency_key: str | None = None
    allow_suppressed: bool = False
    send_before: datetime | None = None
    """Fail rather than send after this moment (domain/send_window.py)."""

    def payload_hash(self) -> str:
        """A stable digest of what was asked, to tell a retried request from a different one."""
        data = asdict(self)
        data.pop("idempotency_key")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _has_content(fields: DraftFields) -> bool:
    return any(getattr(fields, name) for name in PATCHABLE)


def request_send(
    session: Session,
    organization_id: uuid.UUID,
    request: SendRequest,
    actor: str,
    limits: Limits,
    now: datetime | None = None,
) -> tuple[OutboundEmail, bool]:
    """Record the email as PENDING (or scheduled); return it and whether a send job must be enqueued."""
    now = now or utcnow()
    key = request.idempotency_key
    if key is not None:
        if not key.strip() or len(key) > 200:
            raise DomainError(ErrorCode.INVALID_INPUT, "idempotencyKey must be 1 to 200 characters", "idempotencyKey")
        existing = session.exec(
            select(OutboundEmail).where(
                OutboundEmail.organization_id == organization_id, OutboundEmail.idempotency_key == key
            )
        ).first()
        if existing is not None:
            if existing.payload_hash != request.payload_hash():
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    "this idempotencyKey was used for a different request",
                    "idempotencyKey",
                )
            return existing, False

    send_window.check_send_before(request.send_before, request.fields.planned_send_at, now)

    def ready(email: OutboundEmail, composed: Composed) -> None:
        """The send's checks and settings, applied to the row before it is written."""
        with session.no_autoflush:
            _make_ready(session, organization_id, request, email, composed.account, composed.suppression, now)

    if request.draft_id is not None:
        if request.reply_to_message_id is not None or _has_content(request.fields):
            raise DomainError(ErrorCode.INVALID_INPUT, "draftId cannot be combined with content fields", "draftId")
        email = get_email(session, organization_id, request.draft_id, lock=True)
        advance(email.status, Action.REQUEST_SEND)
        with session.no_autoflush:
            _make_ready(session, organization_id, request, email, None, None, now)
        session.add(email)
    elif request.reply_to_message_id is not None:
        email = _reply(session, organization_id, request, actor, limits, now, ready)
    else:
        if request.fields.account_id is None:
            raise DomainError(ErrorCode.ACCOUNT_NOT_FOUND, "accountId is required", "accountId")
        # Written once, already PENDING (or scheduled): `ready` runs before the INSERT.
        email, _account = new_draft(
            session,
            organization_id,
            request.fields,
            actor,
            limits,
            now,
            allow_suppressed=request.allow_suppressed,
            ready=ready,
            deferred=True,
        )
    if email.status != EmailStatus.PENDING:
        write_new_email(session, email)
        return email, False  # a scheduled email: the scheduler queues it when its time comes
    # Its recipients, events and any update of a draft go in one flush at the commit, or (a new
    # email) in one statement now.
    record_event(session, email, EventKind.QUEUED, actor, {"status": EmailStatus.PENDING.value}, at=now)
    write_new_email(session, email)
    return email, True


def _make_ready(
    session: Session,
    organization_id: uuid.UUID,
    request: SendRequest,
    email: OutboundEmail,
    account: MailAccount | SendingAccount | None,
    probe: Probe | None,
    now: datetime,
) -> None:
    """Refuse what cannot be sent; set the request's options; queue it unless it is planned for later.

    `account` and `probe` are what was read with the new email's account, if it is new.
    """
    account = account or session.get(MailAccount, email.account_id)
    if account is None or account.state != AccountState.ACTIVE:
        state = account.state.value if account else "missing"
        raise DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, f"the sending account is {state}; reconnect it", "accountId")
    if not (email.to or email.cc or email.bcc):
        raise DomainError(ErrorCode.RECIPIENT_REQUIRED, "an email needs at least one recipient", "to")
    if not request.allow_suppressed:
        check_not_suppressed(session, organization_id, [*email.to, *email.cc, *email.bcc], probe)
    assign(email, allow_suppressed=request.allow_suppressed, send_before=request.send_before)
    if request.idempotency_key is not None:
        assign(email, idempotency_key=request.idempotency_key, payload_hash=request.payload_hash())
    if email.planned_send_at is None or request.draft_id is not None:
        mark_queued(email, now)


def queue(
    session: Session, email: OutboundEmail, actor: str, now: datetime, action: Action = Action.REQUEST_SEND
) -> None:
    """Move the email to PENDING and give it the Message-ID it will be sent with."""
    mark_queued(email, now, action)
    session.add(email)
    record_event(session, email, EventKind.QUEUED, actor, {"status": EmailStatus.PENDING.value}, at=now)


def mark_queued(email: OutboundEmail, now: datetime, action: Action = Action.REQUEST_SEND) -> None:
    """`queue`'s change to the row, without its event (the caller records it)."""
    domain = email.from_email.rpartition("@")[2] or "mailtrail.local"
    assign(
        email,
        status=advance(email.status, action) or email.status,
        local_message_id=email.local_message_id or mime.make_message_id(email.id.hex, domain),
        planned_send_at=email.planned_send_at if action == Action.PLANNED_TIME_REACHED else None,
        first_queued_at=now,
        next_attempt_at=now,
        wait_reason=None,
        error_message=None,
        updated_at=now,
    )


def _reply(
    session: Session,
    organization_id: uuid.UUID,
    request: SendRequest,
    actor: str,
    limits: Limits,
    now: datetime,
    ready: Ready,
) -> OutboundEmail:
    """A reply goes from the account that owns the conversation, in its Gmail thread."""
    message = session.exec(
        select(EmailMessage).where(
            EmailMessage.id == request.reply_to_message_id, EmailMessage.organization_id == organization_id
        )
    ).first()
    if message is None:
        raise DomainError(ErrorCode.NOT_FOUND, "the message to reply to was not found", "replyToMessageId")
    if not message.message_id_header or not message.thread_id:
        raise DomainError(
            ErrorCode.REPLY_TARGET_INVALID,
            "the message to reply to has no Message-ID or Gmail thread; it cannot be threaded",
            "replyToMessageId",
        )
    fields = request.fields
    to = list(fields.to) or [parseaddr(message.from_address or "")[1]]
    subject = fields.subject if fields.subject is not None else mime.reply_subject(message.subject or "")
    context_type, context_id = fields.context_type, fields.context_id
    if context_type is None and context_id is None and message.outbound_email_id is not None:
        original = session.get(OutboundEmail, message.outbound_email_id)
        if original is not None and original.organization_id == organization_id:
            context_type, context_id = original.context_type, original.context_id  # the conversation's entity
    reply = DraftFields(
        account_id=message.account_id,
        to=to,
        cc=fields.cc,
        bcc=fields.bcc,
        subject=subject,
        body_text=fields.body_text,
        body_html=fields.body_html,
        attachments=fields.attachments,
        context_type=context_type,
        context_id=context_id,
        planned_send_at=fields.planned_send_at,
    )
    header, thread = message.message_id_header, message.thread_id
    references = (message.references or "").split()

    def threaded(email: OutboundEmail, composed: Composed) -> None:
        email.reply_to_message_id = message.id
        email.in_reply_to_header = header
        email.references_header = " ".join([*references, header])
        email.thread_hint = thread
        ready(email, composed)

    email, _account = new_draft(
        session,
        organization_id,
        reply,
        actor,
        limits,
        now,
        allow_suppressed=request.allow_suppressed,
        ready=threaded,
        deferred=True,
    )
    return email


def retry_email(
    session: Session,
    organization_id: uuid.UUID,
    email_id: uuid.UUID,
    actor: str,
    now: datetime | None = None,
    allow_suppressed: bool | None = None,
    send_before: datetime | None = None,
) -> OutboundEmail:
    """Send a FAILED email again (a new deadline starts now, and the new `send_before`, if any).

    Suppressed recipients are refused unless `allow_suppressed` (None: as the original request said).
    """
    now = now or utcnow()
    email = get_email(session, organization_id, email_id, lock=True)
    advance(email.status, Action.RETRY)
    send_window.check_send_before(send_before, None, now)
    account = session.get(MailAccount, email.account_id)
    if account is None or account.state != AccountState.ACTIVE:
        raise DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, "the sending account must be reconnected first", "id")
    allowed = email.allow_suppressed if allow_suppressed is None else allow_suppressed
    if not allowed:
        check_not_suppressed(session, organization_id, [*email.to, *email.cc, *email.bcc])
    email.allow_suppressed = allowed
    email.send_before = send_before
    record_event(session, email, EventKind.RETRIED, actor, {"after": email.error_message}, at=now)
    queue(session, email, actor, now, Action.RETRY)
    return email


__all__ = ["SendRequest", "compose", "mark_queued", "queue", "request_send", "retry_email", "store_attachments"]
