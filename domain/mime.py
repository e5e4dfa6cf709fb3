"""Building the MIME message Gmail's messages.send takes (RFC 5322, 2045-2047, 2231).

Deterministic: the same email, Message-ID and clock give the same bytes, so golden-file tests
can hold it still. Boundaries derive from the Message-ID rather than from randomness.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, quote
from html import unescape
from html.parser import HTMLParser

SMTP_POLICY = policy.SMTP.clone(max_line_length=78)
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|odp|r|rif|vs)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class MimeAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    from_address: str
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    body_text: str | None
    body_html: str | None
    attachments: tuple[MimeAttachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    mailtrail_id: str | None = None


def make_message_id(unique: str, domain: str) -> str:
    """An RFC 5322 msg-id: `<unique@domain>`."""
    return f"<{unique}@{domain}>"


def to_gmail_raw(mime: bytes) -> str:
    """The base64url form messages.send takes in `raw`."""
    return base64.urlsafe_b64encode(mime).decode("ascii")


def reply_subject(subject: str) -> str:
    """`Re: <subject>` unless the subject already carries a reply prefix (Re:, AW:, SV:, ...)."""
    subject = subject.strip()
    return subject if REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()


def _check(value: str | None, name: str) -> None:
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError(f"{name} must not contain CR or LF (header injection)")


def _address(address: str, name: str | None = None) -> str:
    _check(address, "address")
    _check(name, "name")
    if name:
        if address.isascii():
            return str(Address(display_name=name, addr_spec=address))
        # Address() and formataddr() refuse a non-ASCII local part; written out, the header is encoded
        # the same way as an unnamed non-ASCII address.
        return f'"{quote(name)}" <{address}>'
    return address


def build_mime(message: OutgoingMessage, *, message_id: str, now: datetime) -> bytes:
    """The whole message as bytes with CRLF line endings, ready for `to_gmail_raw`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    plain = _plain_ascii(message, message_id, now)
    return plain if plain is not None else _build_with_email_package(message, message_id, now)


_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_WORDS = re.compile(r"[!-~]+(?: [!-~]+)*")
_MSG_ID = re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>")
_BODY = re.compile(r"[ -~\t\n]*")
_HEADER_LIMIT = 78
_PLAIN_TAIL = (
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
)


def _plain_ascii(message: OutgoingMessage, message_id: str, now: datetime) -> bytes | None:
    """The bytes `_build_with_email_package` gives, written directly, for the commonest email: plain
    ASCII text, bare addresses and short ASCII headers that need no encoding and no folding. None
    for anything else. The email package parses and refolds every header it is given (most of a
    send's CPU in the worker); for these inputs that is the identity, which tests/domain/test_mime.py
    checks against the package on generated messages.
    """
    text = message.body_text if message.body_text is not None else ("" if message.body_html is None else None)
    if (
        text is None
        or message.from_name
        or message.body_html is not None
        or message.attachments
        or message.in_reply_to
        or message.references
        or now.utcoffset()
        or not _BODY.fullmatch(text)
        or any(len(line) > 998 for line in text.split("\n"))
        or not _MSG_ID.fullmatch(message_id)
        or len(message_id) > _HEADER_LIMIT - len("Message-ID: ")
    ):
        return None
    lines = [f"From: {message.from_address}"]
    for name, addresses in (("To", message.to), ("Cc", message.cc), ("Bcc", message.bcc)):
        if addresses:
            lines.append(f"{name}: {', '.join(addresses)}")
    if not all(_ADDRESS.fullmatch(a) for a in (message.from_address, *message.to, *message.cc, *message.bcc)):
        return None
    subject = message.subject
    if not _WORDS.fullmatch(subject) or "=?" in subject:  # the package writes an empty one as "Subject:"
        return None
    lines.append(f"Subject: {subject}")
    lines.append(f"Date: {format_datetime(now)}")
    lines.append(f"Message-ID: {message_id}")
    if message.mailtrail_id is not None:
        if not _WORDS.fullmatch(message.mailtrail_id) or "=?" in message.mailtrail_id:
            return None
        lines.append(f"X-Mailtrail-Id: {message.mailtrail_id}")
    if any(len(line) > _HEADER_LIMIT for line in lines):
        return None
    body = "".join(line + "\r\n" for line in text.splitlines()) or "\r\n"
    return ("\r\n".join(lines) + "\r\n" + _PLAIN_TAIL + body).encode("ascii")


def _build_with_email_package(message: OutgoingMessage, message_id: str, now: datetime) -> bytes:
    """Any message, through the standard library's email package (policy SMTP)."""
    for name in ("subject", "in_reply_to", "mailtrail_id"):
        _check(getattr(message, name), name)
    _check(message_id, "message_id")
    for reference in message.references:
        _check(reference, "references")
    seed = hashlib.sha256(message_id.encode()).hexdigest()
    mime = EmailMessage(policy=SMTP_POLICY)
    mime["From"] = _address(message.from_address, message.from_name)
    if message.to:
        mime["To"] = ", ".join(_address(a) for a in message.to)
    if message.cc:
        mime["Cc"] = ", ".join(_address(a) for a in message.cc)
    if message.bcc:  # Gmail reads Bcc from the raw message and strips it before delivery
        mime["Bcc"] = ", ".join(_address(a) for a in message.bcc)
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = message_id
    if message.in_reply_to:
        mime["In-Reply-To"] = message.in_reply_to
    if message.references:
        mime["References"] = " ".join(message.references)
    if message.mailtrail_id:
        mime["X-Mailtrail-Id"] = message.mailtrail_id
    mime["MIME-Version"] = "1.0"

    text = message.body_text
    if text is None and message.body_html is not None:
        text = html_to_text(message.body_html)
    mime.set_content(text or "", subtype="plain", charset="utf-8", cte=_cte(text or ""))
    if message.body_html is not None:
        mime.add_alternative(message.body_html, subtype="html", charset="utf-8", cte=_cte(message.body_html))
    for attachment in message.attachments:
        _check(attachment.filename, "filename")
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    for index, part in enumerate(mime.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_mailtrail_{seed[:24]}_{index}")
    return mime.as_bytes(policy=SMTP_POLICY)


def _cte(text: str) -> str:
    """7-bit safe transfer encoding: quoted-printable for mostly-ASCII text, base64 otherwise."""
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    non_ascii = sum(1 for c in text if ord(c) > 127)
    return "quoted-printable" if non_ascii * 4 < max(1, len(text)) else "base64"


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href and not href.startswith(("#", "javascript:")):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """A readable plain-text part for an HTML-only email."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in unescape("".join(parser.parts)).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip() + "\n" if text.strip() else ""
