"""Input rules shared by every way an email is composed: addresses, headers, attachments, times."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import email_validator
from email_validator import EmailNotValidError, validate_email

from domain.errors import DomainError, ErrorCode

# Gmail accepts mail to the reserved `.invalid` and `.test` names and answers with a bounce, which
# is exactly what tests and demos rely on; the other special-use names (localhost, local, onion,
# arpa) stay refused.
for _name in ("invalid", "test"):
    if _name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(_name)

MAX_SUBJECT_CHARS = 998
MAX_FILENAME_CHARS = 255
# Every character str.splitlines() breaks on. Python's email package folds headers with it, so any
# of them in a header value would end the header early (and fail the MIME build, or worse).
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True)
class AttachmentData:
    """A decoded attachment, ready to store."""

    filename: str
    content_type: str
    content: bytes


def normalize_address(address: str, field: str) -> str:
    """Validate one address (RFC 5321 syntax, no DNS look-up) and return its normalized form."""
    check_header_value(address, field)
    try:
        result = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(ErrorCode.INVALID_EMAIL, f"{address!r} is not a valid email address: {exc}", field) from None
    return result.normalized.lower() if result.normalized.isascii() else result.normalized


def normalize_addresses(addresses: Iterable[str], field: str) -> list[str]:
    """Validate a list of addresses, dropping exact duplicates while keeping order."""
    seen: dict[str, None] = {}
    for address in addresses:
        seen.setdefault(normalize_address(address, field), None)
    return list(seen)


def check_recipient_count(to: Sequence[str], cc: Sequence[str], bcc: Sequence[str], limit: int) -> None:
    """Gmail accepts at most 100 recipients per message (to + cc + bcc)."""
    total = len(to) + len(cc) + len(bcc)
    if total > limit:
        raise DomainError(ErrorCode.TOO_MANY_RECIPIENTS, f"{total} recipients given; at most {limit} are allowed", "to")


def unsafe_text_reason(value: str) -> str | None:
    """Why a string cannot be stored or sent as text (a NUL, a lone surrogate), or None.

    PostgreSQL text cannot hold NUL, and a lone surrogate is not Unicode at all: neither can be
    stored, encoded as UTF-8, or put in an email.
    """
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate, which is not valid Unicode"
    return None


def check_text(value: str | None, field: str) -> None:
    """Refuse text that cannot be stored or sent (see `unsafe_text_reason`)."""
    reason = unsafe_text_reason(value) if value is not None else None
    if reason is not None:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} {reason}", field)


def check_header_value(value: str | None, field: str) -> None:
    """Refuse line breaks in anything that becomes a header: they would let a caller inject headers.

    Not only CR and LF: every character `str.splitlines` breaks on (U+0085, U+2028, ...).
    """
    if value is None:
        return
    check_text(value, field)
    if not LINE_BREAKS.isdisjoint(value):
        raise DomainError(ErrorCode.HEADER_INJECTION, f"{field} must not contain line breaks", field)


def check_subject(subject: str | None) -> None:
    check_header_value(subject, "subject")
    if subject is not None and len(subject) > MAX_SUBJECT_CHARS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"subject is longer than {MAX_SUBJECT_CHARS} characters", "subject")


def check_context(context_type: str | None) -> None:
    check_header_value(context_type, "contextType")
    if context_type is not None and not (1 <= len(context_type) <= 100):
        raise DomainError(ErrorCode.INVALID_INPUT, "contextType must be 1 to 100 characters", "contextType")


def decode_attachments(items: Iterable[tuple[str, str, str]], max_total_bytes: int) -> list[AttachmentData]:
    """Decode (filename, content_type, base64) triples, enforcing names, types and the size cap."""
    decoded: list[AttachmentData] = []
    total = 0
    for filename, content_type, data_base64 in items:
        check_header_value(filename, "attachments.filename")
        check_header_value(content_type, "attachments.contentType")
        if not filename.strip() or len(filename) > MAX_FILENAME_CHARS or "/" in filename or "\\" in filename:
            raise DomainError(ErrorCode.INVALID_ATTACHMENT, f"invalid attachment filename {filename!r}", "attachments")
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype or " " in content_type:
            raise DomainError(ErrorCode.INVALID_ATTACHMENT, f"invalid content type {content_type!r}", "attachments")
        try:
            content = base64.b64decode(data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                ErrorCode.INVALID_ATTACHMENT, f"attachment {filename!r} is not valid base64", "attachments"
            ) from None
        total += len(content)
        if total > max_total_bytes:
            raise DomainError(
                ErrorCode.ATTACHMENTS_TOO_LARGE,
                f"attachments exceed {max_total_bytes // (1024 * 1024)} MB in total",
                "attachments",
            )
        decoded.append(AttachmentData(filename, content_type.lower(), content))
    return decoded


# Headers, MIME boundaries and part headers of a message, generously.
MIME_OVERHEAD_BYTES = 64 * 1024


def base64_size(n: int) -> int:
    """Bytes `n` bytes take base64-encoded in 76-character lines: the most any MIME part can cost."""
    chars = 4 * ((n + 2) // 3)
    return chars + 2 * ((chars + 75) // 76)


def check_message_size(text_bytes: int, html_bytes: int, attachment_sizes: Iterable[int], limit: int) -> None:
    """The encoded message must fit Gmail's messages.send limit (`limit`, its discovery `maxSize`).

    Estimated from above: every part as if base64-encoded, and a text part as large as the HTML
    one when it is derived from it.
    """
    estimate = (
        MIME_OVERHEAD_BYTES
        + base64_size(text_bytes or html_bytes)
        + base64_size(html_bytes)
        + sum(base64_size(size) + 512 for size in attachment_sizes)
    )
    if estimate > limit:
        raise DomainError(
            ErrorCode.MESSAGE_TOO_LARGE,
            f"the encoded message would be about {estimate / 2**20:.1f} MB; Gmail accepts at most "
            f"{limit / 2**20:.1f} MB",
            "bodyText",
        )


def check_planned_time(planned: datetime | None, now: datetime, field: str = "plannedSendAt") -> None:
    """A planned send time must carry a timezone and lie in the future."""
    if planned is None:
        return
    if planned.tzinfo is None or planned.utcoffset() is None:
        raise DomainError(ErrorCode.NAIVE_DATETIME, "plannedSendAt must include a timezone offset", field)
    if planned <= now:
        raise DomainError(ErrorCode.PLANNED_IN_PAST, "plannedSendAt must be in the future", field)
