"""Detecting and reading bounces: RFC 3464 delivery-status reports and the common plain-text formats.

Parsing uses the compat32 policy: about ten times faster than policy.default on DSNs, and it
never raises on malformed headers (shared reference anchors.md §B6). Nothing here raises on any
input: an unreadable message is simply not a bounce.
"""

from __future__ import annotations

import email
import email.message
import email.utils
import re
from datetime import UTC, datetime
from email import policy

from domain.bounces.classify import classify
from domain.bounces.model import Bounce, BouncedRecipient

ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
SMTP_CODE = re.compile(r"(?<![\d.])([45])\d\d(?:[ -]|$)")
DAEMON = re.compile(
    r"mailer-daemon|postmaster|mail delivery (subsystem|system)|mail ?administrator|mmdf|smtp gateway|"
    r"mail system|maildelivery|bounce|no-?reply@.*(amazonses|yahoo)|mailerdaemon",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery (status notification|failure|failed|has failed|problem|report)|"
    r"mail delivery failed|failure notice|could not be delivered|non-?deliver|mail system error|"
    r"delivery notification|warning: could not send|message not delivered|rejected|undelivered|"
    r"returned to sender|permanent error|delivery status|mail failure|not delivered|bounce|"
    r"delayed mail|delivery delayed|still being retried|unzustellbar|unable to deliver",
    re.IGNORECASE,
)
DELAY_TEXT = re.compile(
    r"delayed|will (be )?retr(y|ied)|still (be )?(trying|retrying)|not yet been delivered|temporar|"
    r"has not been delivered yet|warning: message|deferred",
    re.IGNORECASE,
)
ORIGINAL_MARKERS = re.compile(
    r"^(-+ ?(original message|this is a copy|below this line|the original message|message text follows)|"
    r"original message follows|[- ]*original message[- ]*$|--- Below this line|Content-Type: message/rfc822|"
    r"Return-Path:|Received: from)",
    re.IGNORECASE | re.MULTILINE,
)
NOT_BOUNCE_REPORTS = {"feedback-report", "disposition-notification"}
IGNORED_ACTIONS = {"delivered", "relayed", "expanded"}


def parse_bounce(raw: bytes) -> Bounce | None:
    """The bounce in `raw`, or None when it is not one (including ARF reports and delivered DSNs)."""
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
        return _parse(message)
    except Exception:  # never raise on mail from the wild
        return None


def _header(message: email.message.Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:
        return str(value)


def _report_type(message: email.message.Message) -> str:
    return (
        (message.get_param("report-type") or "").__str__().lower()
        if message.get_content_type() == "multipart/report"
        else ""
    )


def _parse(message: email.message.Message) -> Bounce | None:
    report_type = _report_type(message)
    if report_type in NOT_BOUNCE_REPORTS:
        return None
    sender = _header(message, "From") + " " + _header(message, "Return-Path") + " " + _header(message, "Sender")
    subject = _header(message, "Subject")
    from_daemon = bool(DAEMON.search(sender))
    status_part = _find_part(
        message, ("message/delivery-status", "message/global-delivery-status", "text/delivery-status")
    )
    recipients: list[BouncedRecipient] = []
    fields: dict[str, str] = {}
    if status_part is not None:
        fields, blocks = _status_blocks(status_part)
        all_actions = [b.get("action", "").lower().split()[0] if b.get("action") else "" for b in blocks]
        if blocks and all(a in IGNORED_ACTIONS for a in all_actions):
            return None
        recipients = [r for r in (_recipient_from_block(b, message) for b in blocks) if r is not None]
    failed_header = message.get_all("X-Failed-Recipients") or []
    if not recipients and failed_header:
        for value in failed_header:
            for address in ADDRESS.findall(str(value)):
                recipients.append(_text_recipient(address, _body_text(message), "failed"))
    looks_like_bounce = (
        status_part is not None or bool(failed_header) or (from_daemon and BOUNCE_SUBJECT.search(subject))
    )
    if not recipients and not looks_like_bounce and not (from_daemon and _body_mentions_failure(message)):
        return None
    if not recipients:
        recipients = _recipients_from_text(message, subject)
    if not recipients:
        return None
    original = _original_headers(message)
    in_reply_to = _first_id(_header(message, "In-Reply-To"))
    references = tuple(_ids(_header(message, "References")))
    original_id = _first_id(fields.get("x-original-message-id", "")) or (original or {}).get("message-id")
    if not original_id and in_reply_to:
        original_id = in_reply_to
    return Bounce(
        recipients=tuple(_dedupe(recipients)),
        original_message_id=original_id,
        detected_at=_detected_at(fields.get("arrival-date") or _header(message, "Date")),
        in_reply_to=in_reply_to,
        references=references,
        original_headers_message_id=(original or {}).get("message-id"),
        mailtrail_id=(original or {}).get("x-mailtrail-id"),
        reporting_mta=_strip_type(fields.get("reporting-mta", "")) or None,
    )


def _find_part(message: email.message.Message, types: tuple[str, ...]) -> email.message.Message | None:
    for part in message.walk():
        if part.get_content_type() in types:
            return part
    return None


def _status_blocks(part: email.message.Message) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Per-message fields and the per-recipient blocks of a delivery-status part (RFC 3464 §2)."""
    payload = part.get_payload()
    text = ""
    if isinstance(payload, list):
        chunks = []
        for sub in payload:
            if isinstance(sub, email.message.Message):
                chunks.append("\n".join(f"{k}: {v}" for k, v in sub.items()))
        text = "\n\n".join(chunks)
    else:
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\r?\n\s*\r?\n", text.strip()):
        block: dict[str, str] = {}
        key = None
        for line in chunk.splitlines():
            if line[:1] in (" ", "\t") and key:
                block[key] += " " + line.strip()
                continue
            name, sep, value = line.partition(":")
            if sep and name.strip():
                key = name.strip().lower()
                block[key] = value.strip()
        if block:
            blocks.append(block)
    per_message: dict[str, str] = {}
    recipients = []
    for block in blocks:
        if "final-recipient" in block or "original-recipient" in block:
            recipients.append(block)
        else:
            per_message.update(block)
    return per_message, recipients


def _strip_type(value: str) -> str:
    """`rfc822; user@example.com` -> `user@example.com`."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _status(value: str) -> str | None:
    match = ENHANCED.search(value or "")
    return ".".join(match.groups()) if match else None


def _recipient_from_block(block: dict[str, str], message: email.message.Message) -> BouncedRecipient | None:
    address_field = block.get("final-recipient") or block.get("original-recipient") or ""
    found = ADDRESS.search(_strip_type(address_field)) or ADDRESS.search(block.get("original-recipient", ""))
    if not found:
        return None
    action = (block.get("action") or "").strip().lower().split(" ")[0] or "failed"
    if action in IGNORED_ACTIONS:
        return None
    if action not in ("failed", "delayed"):
        action = "delayed" if action.startswith("delay") else "failed"
    diagnostic = _strip_type(block.get("diagnostic-code", "")) or _strip_type(block.get("x-actual-recipient", ""))
    status = _status(block.get("status", "")) or _status(diagnostic)
    if status and status.startswith("2."):
        return None
    if status and status.startswith("4.") and action == "failed" and not block.get("action"):
        action = "delayed"
    if not diagnostic:
        diagnostic = _diagnostic_near(_body_text(message), found.group(0))
    reason, hard = classify(status, diagnostic, action)
    return BouncedRecipient(found.group(0).lower(), action, status, _clean(diagnostic), reason, hard)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:1000]


def _body_text(message: email.message.Message) -> str:
    """The human-readable text of the report, without the returned original."""
    texts: list[str] = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            break
        if part.get_content_maintype() == "text" and part.get_content_type() != "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    text = payload.decode(charset, "replace")
                except LookupError:
                    text = payload.decode("utf-8", "replace")
                if part.get_content_subtype() == "html":
                    text = re.sub(r"<[^>]+>", " ", text)
                texts.append(text)
    body = "\n".join(texts)
    marker = ORIGINAL_MARKERS.search(body)
    return body[: marker.start()] if marker and marker.start() > 40 else body


def _body_mentions_failure(message: email.message.Message) -> bool:
    return bool(
        re.search(
            r"(could not|couldn'?t|unable to) (be )?deliver|delivery (has )?failed|permanent(ly)? (error|fail)",
            _body_text(message),
            re.IGNORECASE,
        )
    )


def _diagnostic_near(text: str, address: str) -> str:
    index = text.lower().find(address.lower())
    if index < 0:
        return ""
    window = text[index : index + 600]
    lines = [line.strip() for line in window.splitlines()[0:6] if line.strip()]
    return " ".join(lines)


def _text_recipient(address: str, text: str, action: str) -> BouncedRecipient:
    diagnostic = _diagnostic_near(text, address)
    status = _status(diagnostic)
    if status is None:
        code = SMTP_CODE.search(diagnostic)
        status = f"{code.group(1)}.0.0" if code else None
    if action == "failed" and status and status.startswith("4.") and DELAY_TEXT.search(text):
        action = "delayed"
    reason, hard = classify(status, diagnostic, action)
    return BouncedRecipient(address.lower(), action, status, _clean(diagnostic), reason, hard)


def _recipients_from_text(message: email.message.Message, subject: str) -> list[BouncedRecipient]:
    text = _body_text(message)
    own = {
        a.lower()
        for a in ADDRESS.findall(
            " ".join([_header(message, h) for h in ("From", "To", "Return-Path", "Sender", "Reply-To")])
        )
    }
    candidates = []
    for address in ADDRESS.findall(text):
        lowered = address.lower()
        if lowered in own or DAEMON.search(lowered.split("@")[0]) or lowered.startswith("postmaster@"):
            continue
        if lowered not in candidates:
            candidates.append(lowered)
    delayed = bool(DELAY_TEXT.search(subject)) and not re.search(r"fail", subject, re.IGNORECASE)
    return [_text_recipient(address, text, "delayed" if delayed else "failed") for address in candidates[:20]]


INLINE_COPY = re.compile(
    r"^[- ]*(this is a copy of the message|original message( follows)?|below this line is a copy of the message|"
    r"the original message (was|follows))[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)


def _inline_copy_headers(message: email.message.Message) -> dict[str, str] | None:
    """Headers of an original quoted inline after a marker line (Postfix, Exim, qmail)."""
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = payload.decode("utf-8", "replace")
        marker = INLINE_COPY.search(text)
        if marker is None:
            continue
        rest = text[marker.end() :].lstrip("\r\n")
        picked = _pick(email.message_from_string(rest, policy=policy.compat32))
        if picked:
            return picked
    return None


def _original_headers(message: email.message.Message) -> dict[str, str] | None:
    attached = _attached_headers(message)
    return attached if attached else _inline_copy_headers(message)


def _attached_headers(message: email.message.Message) -> dict[str, str] | None:
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, email.message.Message):
                return _pick(inner)
        if ctype == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                return _pick(email.message_from_bytes(raw, policy=policy.compat32))
    return None


def _pick(headers: email.message.Message) -> dict[str, str]:
    picked: dict[str, str] = {}
    message_id = _first_id(str(headers.get("Message-ID") or ""))
    if message_id:
        picked["message-id"] = message_id
    mailtrail_id = headers.get("X-Mailtrail-Id")
    if mailtrail_id:
        picked["x-mailtrail-id"] = str(mailtrail_id).strip()
    return picked


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _first_id(value: str) -> str | None:
    found = _ids(value)
    return found[0] if found else None


def _detected_at(value: str) -> datetime:
    try:
        parsed = email.utils.parsedate_to_datetime(_strip_type(value) if ";" in value[:20] else value)
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        pass
    return datetime.now(UTC)


def _dedupe(recipients: list[BouncedRecipient]) -> list[BouncedRecipient]:
    seen: dict[str, BouncedRecipient] = {}
    for recipient in recipients:
        current = seen.get(recipient.email)
        if current is None or (not current.status_code and recipient.status_code):
            seen[recipient.email] = recipient
    return list(seen.values())
