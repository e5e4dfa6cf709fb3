"""The email as Gmail gets it, and the readable reason when its recipients were suppressed meanwhile."""

from __future__ import annotations

from collections.abc import Iterable

from domain import mime
from domain.records import OutboundAttachment, OutboundEmail


def outgoing(email: OutboundEmail, attachments: Iterable[OutboundAttachment]) -> mime.OutgoingMessage:
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
