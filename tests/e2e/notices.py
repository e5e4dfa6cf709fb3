"""Delivery status notifications written for these tests (RFC 3464 multipart/report), and replies."""

from __future__ import annotations

import uuid
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid


def dsn(
    to: str,
    recipient: str,
    *,
    status: str,
    action: str,
    diagnostic: str,
    original_message_id: str | None,
    date: str = "Tue, 24 Nov 2026 10:00:00 +0000",
    mta: str = "mx1.receiver.example",
    arrival: str | None = None,
) -> bytes:
    """A report from `mta` about `recipient` of the message `original_message_id` (None: not named)."""
    boundary = f"report-{uuid.uuid4().hex[:12]}"
    returned = f"Message-ID: {original_message_id}\r\n" if original_message_id else ""
    arrival_line = f"Arrival-Date: {arrival}\r\n" if arrival else ""
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@{mta}>\r\nTo: {to}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{uuid.uuid4().hex}@{mta}>\r\n"
        f"Date: {date}\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"This is the mail system at host {mta}.\r\n\r\n"
        f"Your message could not be delivered to {recipient}.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {mta}\r\n{arrival_line}\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nRemote-MTA: dns; {mta}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {to}\r\nTo: {recipient}\r\nSubject: Invoice\r\n{returned}\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def expired_after_delays(to: str, recipient: str, original_message_id: str | None) -> bytes:
    """The final failure after a run of delay notices: the queue gave up."""
    return dsn(
        to,
        recipient,
        status="4.4.7",
        action="failed",
        diagnostic="421 4.4.7 Message expired: could not deliver for 5 days; giving up",
        original_message_id=original_message_id,
        date="Wed, 25 Nov 2026 09:30:00 +0000",
        mta="relay.slow.example",
    )


def blocked_for_reputation(to: str, recipient: str, original_message_id: str | None) -> bytes:
    """The receiving server refuses the *sender*: its IP is listed for poor reputation."""
    return dsn(
        to,
        recipient,
        status="5.7.1",
        action="failed",
        diagnostic=(
            "550 5.7.1 Service unavailable; client host [192.0.2.25] blocked using a DNS blocklist "
            "because of its poor reputation"
        ),
        original_message_id=original_message_id,
        date="Tue, 24 Nov 2026 11:00:00 +0000",
        mta="mx.strict.example",
    )


def reply(
    frm: str,
    to: str,
    in_reply_to: str | None,
    text: str,
    date: str = "Tue, 24 Nov 2026 12:00:00 +0000",
    subject: str = "Re: Invoice",
) -> bytes:
    message = MimeMessage()
    message["From"] = frm
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = make_msgid(domain="client.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    return message.as_bytes()
