"""What the model is told about the sender and, for a reply, the thread it answers."""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from domain.content.prompt import ThreadMessage
from domain.errors import DomainError, ErrorCode
from domain.records import EmailMessage, MailAccount

MAX_MESSAGES = 10
MAX_TEXT = 2000


@dataclass(frozen=True)
class Correspondence:
    sender_name: str | None = None
    sender_email: str | None = None
    thread: tuple[ThreadMessage, ...] = ()


def _text(message: EmailMessage) -> str:
    if message.raw:
        parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",)) if isinstance(parsed, email.message.EmailMessage) else None
        if body is not None:
            try:
                return str(body.get_content())[:MAX_TEXT]
            except (LookupError, ValueError):
                pass
    return (message.snippet or "")[:MAX_TEXT]


def correspondence(
    session: Session,
    organization_id: uuid.UUID,
    account_id: uuid.UUID | None,
    reply_to_message_id: uuid.UUID | None,
) -> Correspondence:
    """The sending account's name and address and, when replying, the thread's last messages."""
    thread: list[ThreadMessage] = []
    if reply_to_message_id is not None:
        target = session.exec(
            select(EmailMessage).where(
                EmailMessage.id == reply_to_message_id, EmailMessage.organization_id == organization_id
            )
        ).first()
        if target is None:
            raise DomainError(ErrorCode.NOT_FOUND, "the message to reply to was not found", "replyToMessageId")
        account_id = account_id or target.account_id
        rows = session.exec(
            select(EmailMessage)
            .where(EmailMessage.account_id == target.account_id, EmailMessage.thread_id == target.thread_id)
            .order_by(col(EmailMessage.date).desc())
            .limit(MAX_MESSAGES)
        ).all()
        thread = [ThreadMessage(r.from_address or "", r.subject or "", _text(r)) for r in reversed(rows)]
    if account_id is None:
        return Correspondence(thread=tuple(thread))
    account = session.exec(
        select(MailAccount).where(MailAccount.id == account_id, MailAccount.organization_id == organization_id)
    ).first()
    if account is None:
        raise DomainError(ErrorCode.ACCOUNT_NOT_FOUND, "mail account not found", "accountId")
    return Correspondence(account.display_name, account.email, tuple(thread))
