"""The email as Gmail gets it, and the readable reason when its recipients were suppressed meanwhile."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Protocol

from domain import mime
from domain.records import OutboundAttachment


class Content(Protocol):
    """What of an email's row its message is built from (an OutboundEmail, or the claim's columns)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def from_email(self) -> str: ...
    @property
    def from_name(self) -> str | None: ...
    @property
    def to(self) -> Sequence[str]: ...
    @property
    def cc(self) -> Sequence[str]: ...
    @property
    def bcc(self) -> Sequence[str]: ...
    @property
    def subject(self) -> str: ...
    @property
    def body_text(self) -> str | None: ...
    @property
    def body_html(self) -> str | None: ...
    @property
    def in_reply_to_header(self) -> str | None: ...
    @property
    def references_header(self) -> str | None: ...


def outgoing(email: Content, attachments: Iterable[OutboundAttachment]) -> mime.OutgoingMessage:
    """What domain/mime.py builds the message from."""
    return mime.OutgoingMessage(
        from_address=email.from_email,
        from_name=email.from_name,
        to=tuple(email.to),
        cc=tuple(email.cc),
        bcc=tuple(email.bcc),
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        attachments=tuple(mime.MimeAttachment(a.filename, a.content_type, a.content) for a in attachments),
        in_reply_to=email.in_reply_to_header,
        references=tuple((email.references_header or "").split()),
        mailtrail_id=str(email.id),
    )


def suppressed_message(addresses: list[str]) -> str:
    """The FAILED email's readable reason when its recipients were suppressed meanwhile."""
    verb = "is" if len(addresses) == 1 else "are"
    return (
        f"not sent: {', '.join(addresses)} {verb} suppressed after a hard bounce; "
        "unsuppress the address or send again with allowSuppressed"
    )
