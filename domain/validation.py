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


def check_header_value(value: str | None, field: str) -> None:
    """Refuse CR or LF in anything that becomes a header: they would let a caller inject headers."""
    if value is not None and ("\r" in value or "\n" in value):
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


def check_planned_time(planned: datetime | None, now: datetime, field: str = "plannedSendAt") -> None:
    """A planned send time must carry a timezone and lie in the future."""
    if planned is None:
        return
    if planned.tzinfo is None or planned.utcoffset() is None:
        raise DomainError(ErrorCode.NAIVE_DATETIME, "plannedSendAt must include a timezone offset", field)
    if planned <= now:
        raise DomainError(ErrorCode.PLANNED_IN_PAST, "plannedSendAt must be in the future", field)
