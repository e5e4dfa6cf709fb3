"""Composing an email: the fields a caller gives, validated and normalized against the limits
and the sending account, ready to store (`compose`); the size of the message it will make."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from domain import validation
from domain.errors import DomainError, ErrorCode
from domain.records import AccountState, MailAccount, OutboundAttachment, OutboundEmail
from domain.suppression import Probe, SendingAccount, account_and_suppressed


@dataclass(frozen=True)
class Limits:
    """The caps every composed email is checked against (from settings)."""

    max_recipients: int = 100
    max_attachments_bytes: int = 25 * 1024 * 1024
    max_message_bytes: int = 36_700_160


@dataclass(frozen=True)
class AttachmentInput:
    filename: str
    content_type: str
    data_base64: str


@dataclass(frozen=True)
class DraftFields:
    """What a caller composes; for a patch, only the keys present in `DraftPatch.changes` apply."""

    account_id: uuid.UUID | None = None
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    attachments: Sequence[AttachmentInput] | None = None
    context_type: str | None = None
    context_id: uuid.UUID | None = None
    planned_send_at: datetime | None = None


@dataclass(frozen=True)
class Composed:
    """Validated, normalized content, ready to store on an OutboundEmail."""

    values: dict[str, Any]
    attachments: list[validation.AttachmentData] | None = None
    account: MailAccount | SendingAccount | None = field(default=None, compare=False)
    suppression: Probe | None = None
    """Which recipients were suppressed, read with the account (compose's `probe_suppression`)."""


# The fields a caller composes (all of DraftFields): a patch names some, a send with a draft id none.
PATCHABLE = frozenset(
    {
        "account_id",
        "to",
        "cc",
        "bcc",
        "subject",
        "body_text",
        "body_html",
        "attachments",
        "context_type",
        "context_id",
        "planned_send_at",
    }
)


def get_account(session: Session, organization_id: uuid.UUID, account_id: uuid.UUID | None) -> MailAccount:
    """The organization's mail account; another organization's account is not found."""
    if account_id is None:
        raise DomainError(ErrorCode.ACCOUNT_NOT_FOUND, "accountId is required", "accountId")
    account = session.exec(
        select(MailAccount).where(MailAccount.id == account_id, MailAccount.organization_id == organization_id)
    ).first()
    if account is None:
        raise DomainError(ErrorCode.ACCOUNT_NOT_FOUND, "mail account not found", "accountId")
    return account


def compose(
    session: Session,
    organization_id: uuid.UUID,
    changes: Mapping[str, Any],
    limits: Limits,
    now: datetime,
    current: OutboundEmail | None = None,
    probe_suppression: bool = False,
) -> Composed:
    """Validate the given fields (all of them or a patch) against `current`; raise DomainError.

    With `probe_suppression`, the account is read together with which recipients are suppressed
    (Composed.suppression), for a caller that checks them next.
    """
    values: dict[str, Any] = {}
    account: MailAccount | SendingAccount | None = None
    probe: Probe | None = None
    # The addresses are validated first, but a bad one is reported after the account's errors.
    addresses: dict[str, list[str]] = {}
    invalid: DomainError | None = None
    try:
        for name in ("to", "cc", "bcc"):
            if name in changes:
                addresses[name] = validation.normalize_addresses(changes[name] or (), name)
    except DomainError as error:
        invalid = error
    if "account_id" in changes or current is None:
        if probe_suppression and invalid is None:
            asked = [a for found in addresses.values() for a in found]
            account, probe = account_and_suppressed(session, organization_id, changes.get("account_id"), asked, now)
        else:
            account = get_account(session, organization_id, changes.get("account_id"))
        if account.state == AccountState.DISCONNECTED:
            raise DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, "mail account is disconnected", "accountId")
        values.update(account_id=account.id, from_email=account.email, from_name=account.display_name)
    if invalid is not None:
        raise invalid
    values.update(addresses)
    validation.check_recipient_count(
        values.get("to", current.to if current else []),
        values.get("cc", current.cc if current else []),
        values.get("bcc", current.bcc if current else []),
        limits.max_recipients,
    )
    if "subject" in changes:
        validation.check_subject(changes["subject"])
        values["subject"] = changes["subject"] or ""
    for name in ("body_text", "body_html", "context_id"):
        if name in changes:
            if isinstance(changes[name], str):
                validation.check_text(changes[name], name)
            values[name] = changes[name]
    if "context_type" in changes:
        validation.check_context(changes["context_type"])
        values["context_type"] = changes["context_type"]
    if "planned_send_at" in changes:
        validation.check_planned_time(changes["planned_send_at"], now)
        values["planned_send_at"] = changes["planned_send_at"]
    attachments = None
    if changes.get("attachments") is not None or ("attachments" in changes and current is not None):
        attachments = validation.decode_attachments(
            ((a.filename, a.content_type, a.data_base64) for a in changes.get("attachments") or ()),
            limits.max_attachments_bytes,
        )
    if {"body_text", "body_html", "attachments"} & set(changes):
        _check_size(session, values, attachments, limits, current)
    return Composed(values, attachments, account, probe)


def _check_size(
    session: Session,
    values: dict[str, Any],
    attachments: list[validation.AttachmentData] | None,
    limits: Limits,
    current: OutboundEmail | None,
) -> None:
    def final(name: str) -> str:
        value = values[name] if name in values else getattr(current, name, None)
        return value or ""

    if attachments is not None:
        sizes = [len(a.content) for a in attachments]
    elif current is not None:
        sizes = list(session.exec(select(OutboundAttachment.size).where(OutboundAttachment.email_id == current.id)))
    else:
        sizes = []
    validation.check_message_size(
        len(final("body_text").encode()), len(final("body_html").encode()), sizes, limits.max_message_bytes
    )
