"""Detecting and reading bounces: RFC 3464 delivery-status reports and the common plain-text formats.

Parsing uses the compat32 policy: about ten times faster than policy.default on DSNs, and it
never raises on malformed headers (shared reference anchors.md §B6). Nothing here raises on any
input: an unreadable message is simply not a bounce.

Where the recipients come from, most reliable first:

1. the `message/delivery-status` part of an RFC 3464 report;
2. RFC 3464 fields found in the text, where the MIME structure is broken or the report was
   forwarded (quoted with `>`);
3. an Amazon SES (SNS) JSON notification;
4. the plain-text formats of the common MTAs (Postfix, qmail, Exim, Sendmail, Exchange, Gmail, ...):
   addresses in positions those formats put a failed recipient in;
5. `X-Failed-Recipients`, then any other address in the notification text.

Whether a message without a delivery-status report is a bounce is decided from the evidence:
a mailer-daemon sender, a null sender, a bounce subject, failure wording in the body, a returned
original and recipients found in a bounce format.
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from functools import cached_property

from domain.bounces.classify import classify
from domain.bounces.model import Bounce, BouncedRecipient

ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
SMTP_CODE = re.compile(r"(?<![\d.])([45])\d\d(?:[ -]|$)")
DAEMON = re.compile(
    r"mailer-daemon|postmaster|post_master|mail delivery (subsystem|system)|mail ?administrator|mmdf|smtp gateway|"
    r"mail system|maildelivery|mailerdaemon|bounce|no-?reply@.*(amazonses|yahoo)|microsoftexchange|"
    r"mail transport|mail delivery|e-?mail interconnect|\bmta\b|mailadmin",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery (status notification|failure|failed|has failed|problem|report)|"
    r"mail delivery failed|failure notice|could not be delivered|non-?deliver|mail system error|"
    r"delivery notification|warning: could not send|message not delivered|rejected|undelivered|"
    r"returned to sender|permanent error|delivery status|mail failure|not delivered|bounce|"
    r"delayed mail|delivery delayed|still being retried|unzustellbar|unable to deliver|mail failed|"
    r"message delayed|delayed \d+ (hours?|days?)|error sending|delivery error|failed delivery|"
    r"nicht zustellbar|non remis|no entregado|can ?not be delivered|mail could not|returned message|"
    r"not member|message you sent|problem delivering|delivery incomplete|error(s)? (during|in) delivery",
    re.IGNORECASE,
)
FAILURE_TEXT = re.compile(
    r"(could not|couldn'?t|can ?not|unable to|was not|wasn'?t able to|failed to) (be )?deliver|"
    r"delivery (to the following [a-z() ]+)?(has )?failed|permanent(ly)? (error|fail)|"
    r"(following|these) (address|recipient)s?(\(es\))? (failed|had)|not yet been delivered|"
    r"trouble delivering|undeliverable|delivery problems|delivery to .{0,80} failed|"
    r"message (was|could) not be (delivered|sent)|not be delivered to|returned to sender|"
    r"transcript of (the )?session|error message below|no valid recipients|failed addresses|"
    r"rejected (your|the) (message|recipient)|not a member of|mail could not be delivered|"
    r"delivery has failed|could not reach|unable to reach|was rejected",
    re.IGNORECASE,
)
DELAY_SUBJECT = re.compile(
    r"delay|warning|still being retried|will retry|not yet (been )?delivered|\(delay\)|temporar", re.IGNORECASE
)
DELAY_TEXT = re.compile(
    r"delayed|will (be )?retr(y|ied)|still (be )?(trying|retrying)|not yet been delivered|temporar|"
    r"has not been delivered yet|warning: message|deferred|will continue",
    re.IGNORECASE,
)
PERMANENT_TEXT = re.compile(r"permanent|giv(en|ing) up|could not be delivered|failed permanently", re.IGNORECASE)
ORIGINAL_MARKERS = re.compile(
    r"^(-+ ?(original message|this is a copy|below this line|the original message|message text follows)|"
    r"original message follows|[- ]*original message[- ]*$|--- Below this line|Content-Type: message/rfc822|"
    r"Return-Path:|Received: from|[-| ]*message text follows|-+ ?the header of the original|"
    r"-+ ?original message header|-+ ?unsent message follows|-+ ?(returned|original) mail follows)",
    re.IGNORECASE | re.MULTILINE,
)
AUTO_REPLY_SUBJECT = re.compile(
    r"out of (the )?office|auto(matic)?[- ]?(reply|response|antwort)|vacation|abwesenheit|away from|"
    r"^auto:|on leave|autoreply|automatische antwort|r[ée]ponse automatique",
    re.IGNORECASE,
)
CHALLENGE_TEXT = re.compile(
    r"requires? confirmation|whitelist\.|pre-?approved|guest list|challenge[- ]response|"
    r"verify (that )?you are (a )?(human|real person)|boxbe|spam ?arrest|sender verification request|"
    r"confirm (that )?you (are|sent)|please (click|visit) .{0,60}(confirm|verify)",
    re.IGNORECASE,
)
DSN_IN_TEXT = re.compile(r"^(?:> ?)*(?:final|original)-recipient\s*:\s*\S", re.IGNORECASE | re.MULTILINE)
SES_TYPE = re.compile(r'\\?"(?:notificationType|eventType)\\?"\s*:\s*\\?"(\w+)')
SES_RECIPIENT = re.compile(r'\{[^{}\[\]]*"emailAddress"\s*:\s*"([^"]+)"[^{}\[\]]*\}')
SES_FIELD = re.compile(r'"(action|status|diagnosticCode)"\s*:\s*"((?:[^"\\]|\\.)*)"')
NOT_BOUNCE_REPORTS = {"feedback-report", "disposition-notification"}
NOT_BOUNCE_PARTS = ("message/feedback-report", "message/disposition-notification")
IGNORED_ACTIONS = {"delivered", "relayed", "expanded"}
MESSAGE_ID_LOCAL = re.compile(
    r"^[0-9a-f]{6,}\.[0-9a-f.]{6,}$|^[0-9a-f]{20,}$|^\d{12,}\.|\$|^[0-9a-f]{8}-[0-9a-f]{4}-", re.IGNORECASE
)
STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status", "text/delivery-status")

# Positions the plain-text formats put a failed recipient in (checked on each line of the notification).
_ADDR = r"[\"'<(\[]*(?<![A-Za-z0-9._%+-])(" + ADDRESS.pattern + r")[\"'>)\]]*"
ALONE = re.compile(r"^\s*(?:\d+\)\s*)?" + _ADDR + r"\s*(?:\([^)]*\)|<[^>]*>)?\s*(?::|\.\.\.|,|;)?\s*$")
ANGLE_COLON = re.compile(r"^\s*<(" + ADDRESS.pattern + r")>(?:\s*\([^)]*\))?\s*:+\s*(.*)$")
SENDMAIL_DOTS = re.compile(r"^\s*(?:\d{3}[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?)?" + _ADDR + r"\s*\.\.\.\s*(.*)$")
ADDRESS_LEAD = re.compile(r"^\s*" + _ADDR + r"\s*(?::|-{1,2}|--?>)\s+(\S.*)$")
KEYWORD = re.compile(
    r"(?:rcpt to:?|recipient(?: address)?:|rejected recipient|recipient address rejected:?|could not be delivered to:?|"
    r"delivery to(?: the following recipient)?(?: failed)?:?|your message to|message to|addressed to|delivered to|"
    r"original-recipient:|final-recipient:|failed recipient:?|not a member of this [a-z ]*list|"
    r"user|mailbox|address)\s*(?:rfc822;\s*)?" + _ADDR,
    re.IGNORECASE,
)
LEADING = re.compile(r"^\s*" + _ADDR + r"(\s.*)?$")
CODE_LINE = re.compile(r"^\s*[45]\d\d[ -].*?(?<![A-Za-z0-9._%+-])(" + ADDRESS.pattern + r")")
LIST_INTRO = re.compile(r"(recipient|address|following|user)[^\n]*:\s*$", re.IGNORECASE)
BARE_LOCAL = re.compile(r"^\s+([A-Za-z0-9][A-Za-z0-9._%+-]*)\s*$")


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
    if message.get_content_type() != "multipart/report":
        return ""
    return str(message.get_param("report-type") or "").lower()


def _address(value: str) -> str | None:
    """A clean lower-case address: no quotes or dots around it, and never a Message-ID-like token."""
    cleaned = value.strip("'`\".").lower()
    local = cleaned.split("@", 1)[0]
    if not local or MESSAGE_ID_LOCAL.search(local):
        return None
    return cleaned


@dataclass
class _Context:
    """What every step needs to know about the message."""

    message: email.message.Message
    subject: str
    sender_addresses: set[str]
    own_addresses: set[str]
    list_addresses: set[str]
    from_daemon: bool
    null_sender: bool
    text: str

    @cached_property
    def full_text(self) -> str:
        return _all_text(self.message)


def _parse(message: email.message.Message) -> Bounce | None:
    if _report_type(message) in NOT_BOUNCE_REPORTS or _find_part(message, NOT_BOUNCE_PARTS) is not None:
        return None
    context = _context(message)
    fields: dict[str, str] = {}
    blocks: list[dict[str, str]] = []
    status_part = _find_part(message, STATUS_PARTS)
    if status_part is not None:
        fields, blocks = _status_blocks(_part_text(status_part))
    if not blocks and DSN_IN_TEXT.search(context.full_text):
        fields, blocks = _status_blocks(_dsn_region(context.full_text))
    recipients: list[BouncedRecipient] = []
    if blocks:
        actions = [(b.get("action") or "").lower().split(" ")[0] for b in blocks]
        if all(a in IGNORED_ACTIONS for a in actions):
            return None
        recipients = [r for r in (_recipient_from_block(b, context) for b in blocks) if r is not None]
        if recipients and all(CHALLENGE_TEXT.search(r.diagnostic) for r in recipients):
            return None
    ses = SES_TYPE.search(context.full_text) if not recipients else None
    if ses is not None:
        if ses.group(1).lower() != "bounce":
            return None
        recipients = _ses_recipients(context.full_text)
    if not recipients and (blocks or ses is not None):
        # A report whose per-recipient part could not be read: fall back on the text.
        recipients = _recipients_from_text(context, structured=True)
    if not recipients:
        if _looks_like_other_automatic_mail(context):
            return None
        recipients = _recipients_from_text(context, structured=False)
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


def _context(message: email.message.Message) -> _Context:
    sender_fields = [_header(message, h) for h in ("From", "Return-Path", "Sender")]
    sender = " ".join(sender_fields)
    sender_addresses = {a.lower() for a in ADDRESS.findall(sender)}
    own = sender_addresses | {
        a.lower() for a in ADDRESS.findall(" ".join(_header(message, h) for h in ("To", "Reply-To", "Cc")))
    }
    return_path = _header(message, "Return-Path").strip()
    from_value = _header(message, "From").strip()
    null_sender = (message.get("Return-Path") is not None and return_path in ("<>", "")) or from_value in ("<>", "")
    return _Context(
        message=message,
        subject=_header(message, "Subject"),
        sender_addresses=sender_addresses,
        own_addresses=own,
        list_addresses={
            a.lower()
            for a in ADDRESS.findall(" ".join(str(v) for k, v in message.items() if k.lower().startswith("list-")))
        },
        from_daemon=bool(DAEMON.search(sender)),
        null_sender=null_sender,
        text=_body_text(message),
    )


def _looks_like_other_automatic_mail(context: _Context) -> bool:
    """Vacation auto-replies and challenge-response messages (which are not bounces)."""
    message = context.message
    if CHALLENGE_TEXT.search(context.text) and not context.from_daemon:
        return True
    if CHALLENGE_TEXT.search(context.text[:3000]) and not FAILURE_TEXT.search(context.text):
        return True
    if context.from_daemon:
        return False
    auto_headers = any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Vacation"))
    precedence = str(message.get("Precedence") or "").strip().lower()
    return auto_headers or precedence == "auto_reply" or bool(AUTO_REPLY_SUBJECT.search(context.subject))


def _find_part(message: email.message.Message, types: tuple[str, ...]) -> email.message.Message | None:
    for part in message.walk():
        if part.get_content_type() in types:
            return part
    return None


def _part_text(part: email.message.Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        chunks = []
        for sub in payload:
            if isinstance(sub, email.message.Message):
                chunks.append("\n".join(f"{k}: {v}" for k, v in sub.items()))
        return "\n\n".join(chunks)
    raw = part.get_payload(decode=True)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)


def _dsn_region(text: str) -> str:
    """RFC 3464 fields written into the text (broken MIME, or a forwarded and `>`-quoted report)."""
    lines = [re.sub(r"^(?:> ?)+", "", line) for line in text.splitlines()]
    return "\n".join(lines)


def _status_blocks(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Per-message fields and the per-recipient blocks of a delivery-status part (RFC 3464 §2)."""
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\r?\n\s*\r?\n", text.strip()):
        block: dict[str, str] = {}
        key = None
        for line in chunk.splitlines():
            if line[:1] in (" ", "\t") and key:
                block[key] += " " + line.strip()
                continue
            name, sep, value = line.partition(":")
            if sep and name.strip() and " " not in name.strip():
                key = name.strip().lower()
                if key in block and key in ("final-recipient", "original-recipient"):
                    # Two recipients in one block (no blank line between them): start a new one.
                    blocks.append(block)
                    block = {}
                block[key] = value.strip()
            else:
                key = None
        if block:
            blocks.append(block)
    per_message: dict[str, str] = {}
    recipients = []
    for block in blocks:
        if "final-recipient" in block or "original-recipient" in block:
            recipients.append(block)
        else:
            for name, value in block.items():
                per_message.setdefault(name, value)
    return per_message, recipients


def _strip_type(value: str) -> str:
    """`rfc822; user@example.com` -> `user@example.com`."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _status(value: str) -> str | None:
    match = ENHANCED.search(value or "")
    return ".".join(match.groups()) if match else None


def _recipient_from_block(block: dict[str, str], context: _Context) -> BouncedRecipient | None:
    address_field = block.get("final-recipient") or block.get("original-recipient") or ""
    found = ADDRESS.search(_strip_type(address_field)) or ADDRESS.search(block.get("original-recipient", ""))
    if not found:
        return None
    email_address = _address(found.group(0))
    if email_address is None:
        return None
    action = (block.get("action") or "").strip().lower().split(" ")[0]
    if action in IGNORED_ACTIONS:
        return None
    diagnostic = _strip_type(block.get("diagnostic-code", ""))
    status_field = _status(block.get("status", ""))
    status = status_field or _status(diagnostic)
    if status and status.startswith("2."):
        return None
    if action not in ("failed", "delayed"):
        if action.startswith("delay") or (not action and status and status.startswith("4.")):
            action = "delayed"
        else:
            action = "failed"
    if not diagnostic:
        diagnostic = _diagnostic_near(context.text, email_address)
        if not status:
            status = _status(diagnostic)
    reason, hard = classify(status, diagnostic, action)
    return BouncedRecipient(email_address, action, status, _clean(diagnostic), reason, hard)


def _ses_recipients(text: str) -> list[BouncedRecipient]:
    """The bounced recipients of an Amazon SES notification (JSON, delivered through SNS)."""
    unfolded = re.sub(r"!?\r?\n ", "", text).replace('\\"', '"')
    start = unfolded.find('"bouncedRecipients"')
    if start < 0:
        return []
    recipients = []
    for match in SES_RECIPIENT.finditer(unfolded, start):
        email_address = _address(match.group(1))
        if email_address is None:
            continue
        values = dict(SES_FIELD.findall(match.group(0)))
        diagnostic = _strip_type(values.get("diagnosticCode", ""))
        status = _status(values.get("status", "")) or _status(diagnostic)
        action = "delayed" if values.get("action", "").lower().startswith("delay") else "failed"
        reason, hard = classify(status, diagnostic, action)
        recipients.append(BouncedRecipient(email_address, action, status, _clean(diagnostic), reason, hard))
    return recipients


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:1000]


def _decode(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:
        text = payload.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = re.sub(r"<br\s*/?>|</p>|</div>|</tr>", "\n", text, flags=re.IGNORECASE)
        text = re.sub(r"<[^>]+>", " ", text)
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&")
    return text


def _is_textual(part: email.message.Message) -> bool:
    """A text part, or a multipart one whose boundary was never found (its body is then plain text)."""
    maintype = part.get_content_maintype()
    return maintype == "text" or (maintype == "multipart" and not part.is_multipart())


def _body_text(message: email.message.Message) -> str:
    """The human-readable text of the report, without the returned original."""
    texts: list[str] = []
    seen_plain = False
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers") or ctype in STATUS_PARTS:
            break
        if not _is_textual(part):
            continue
        if texts and "attachment" in str(part.get("Content-Disposition") or "").lower():
            break
        if ctype == "text/html" and seen_plain:
            continue
        seen_plain = seen_plain or ctype == "text/plain"
        texts.append(_decode(part))
    body = "\n".join(texts)
    marker = ORIGINAL_MARKERS.search(body)
    return body[: marker.start()] if marker and marker.start() > 40 else body


def _all_text(message: email.message.Message) -> str:
    """Every leaf part's text, decoded (used where the MIME structure may be broken)."""
    texts: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if _is_textual(part) or ctype in STATUS_PARTS:
            texts.append(_decode(part) if _is_textual(part) else _part_text(part))
    return "\n".join(texts)


def _diagnostic_near(text: str, address: str) -> str:
    index = text.lower().find(address.lower())
    if index < 0:
        return ""
    window = text[index : index + 600]
    lines = [line.strip() for line in window.splitlines()[0:6] if line.strip()]
    return " ".join(lines)


def _block_after(lines: list[str], index: int, first: str) -> str:
    """The diagnostic that follows a recipient line: the rest of it and the lines up to a blank one.

    When that paragraph has no SMTP reply code, the next paragraph is added if it has one (Gmail,
    Exchange: "The response from the remote server was:" and the reply on the next lines).
    """
    indent = len(lines[index]) - len(lines[index].lstrip())
    paragraphs: list[list[str]] = [[first.strip()] if first.strip() else []]
    for line in lines[index + 1 : index + 12]:
        if not line.strip():
            if paragraphs[-1]:
                if len(paragraphs) == 2:
                    break
                paragraphs.append([])
            continue
        if (ALONE.match(line) or ANGLE_COLON.match(line)) and len(line) - len(line.lstrip()) <= indent:
            break
        paragraphs[-1].append(line.strip())
    text = " ".join(paragraphs[0])
    if len(paragraphs) > 1 and not _has_code(text) and _has_code(" ".join(paragraphs[1])):
        text = f"{text} {' '.join(paragraphs[1])}".strip()
    return text


def _text_candidates(context: _Context) -> tuple[list[tuple[str, str]], list[str]]:
    """(strong, weak) candidates: (address, diagnostic) in a bounce-format position, and any other address."""
    text = context.text
    lines = text.splitlines()
    strong: dict[str, str] = {}
    for index, line in enumerate(lines):
        previous = next((p for p in reversed(lines[max(0, index - 3) : index]) if p.strip()), "") if index else ""
        if "@" not in line:
            bare = BARE_LOCAL.match(line)
            if bare and LIST_INTRO.search(previous) and not bare.group(1)[:1].isdigit():
                address = _resolve_local(context, bare.group(1))
                if address:
                    strong.setdefault(address, _block_after(lines, index, ""))
            continue
        own_ok = True
        if (match := ANGLE_COLON.match(line)) is not None:
            address, rest = match.group(1), match.group(2)
        elif (match := ALONE.match(line)) is not None:
            address, rest = match.group(1), ""
        elif (match := SENDMAIL_DOTS.match(line)) is not None:
            address, rest = match.group(1), line
        elif (match := ADDRESS_LEAD.match(line)) is not None or (
            LIST_INTRO.search(previous) and (match := LEADING.match(line)) is not None
        ):
            address, rest = match.group(1), match.group(2)
        elif (match := KEYWORD.search(line)) is not None or (match := CODE_LINE.match(line)) is not None:
            address, rest, own_ok = match.group(1), line, False
        else:
            continue
        cleaned = _address(address)
        if cleaned is None or cleaned in context.sender_addresses or cleaned in context.list_addresses:
            continue
        if not own_ok and cleaned in context.own_addresses:
            continue
        diagnostic = _block_after(lines, index, rest)
        if cleaned not in strong or (not _has_code(strong[cleaned]) and _has_code(diagnostic)):
            strong[cleaned] = diagnostic
    weak: list[str] = []
    for address in ADDRESS.findall(text):
        lowered = _address(address)
        if not lowered or lowered in context.own_addresses or lowered in strong or lowered in weak:
            continue
        if (
            DAEMON.search(lowered.split("@")[0])
            or lowered.startswith("postmaster@")
            or lowered in context.list_addresses
        ):
            continue
        weak.append(lowered)
    return list(strong.items()), weak


def _resolve_local(context: _Context, local: str) -> str | None:
    """The full address of a bare local part: from X-Failed-Recipients, the original, or the sender's domain."""
    local = local.lower()
    headers = " ".join(str(v) for v in context.message.get_all("X-Failed-Recipients") or [])
    for address in ADDRESS.findall(headers + "\n" + context.full_text):
        cleaned = _address(address)
        if cleaned and cleaned.split("@", 1)[0] == local and cleaned not in context.sender_addresses:
            return cleaned
    domains = sorted(a.split("@", 1)[1] for a in context.sender_addresses)
    return f"{local}@{domains[0]}" if domains else None


def _has_code(text: str) -> bool:
    return bool(ENHANCED.search(text) or SMTP_CODE.search(text))


def _evidence(context: _Context, strong: bool) -> int:
    score = 0
    score += 2 if context.from_daemon else 0
    score += 1 if context.null_sender else 0
    score += 2 if BOUNCE_SUBJECT.search(context.subject) else 0
    score += 2 if FAILURE_TEXT.search(context.text) else 0
    score += 1 if _find_part(context.message, ("message/rfc822", "text/rfc822-headers")) is not None else 0
    score += 1 if strong else 0
    return score


def _text_recipient(address: str, diagnostic: str, action: str) -> BouncedRecipient:
    status = _status(diagnostic)
    if status is None:
        code = SMTP_CODE.search(diagnostic)
        status = f"{code.group(1)}.0.0" if code else None
    reason, hard = classify(status, diagnostic, action)
    return BouncedRecipient(address, action, status, _clean(diagnostic), reason, hard)


def _recipients_from_text(context: _Context, structured: bool) -> list[BouncedRecipient]:
    message = context.message
    strong, weak = _text_candidates(context)
    failed_header = [
        a
        for a in (_address(x) for v in message.get_all("X-Failed-Recipients") or [] for x in ADDRESS.findall(str(v)))
        if a
    ]
    if not structured and not failed_header and _evidence(context, bool(strong)) < 4:
        return []
    chosen: list[tuple[str, str]]
    if strong:
        in_header = [(a, d) for a, d in strong if a in failed_header]
        chosen = in_header or strong
    elif failed_header:
        chosen = [(a, _diagnostic_near(context.text, a)) for a in dict.fromkeys(failed_header)]
    else:
        chosen = [(a, _diagnostic_near(context.text, a)) for a in weak[:20]]
    delayed = _is_delay_notice(context)
    return [_text_recipient(a, d, "delayed" if delayed else "failed") for a, d in chosen]


def _is_delay_notice(context: _Context) -> bool:
    if DELAY_SUBJECT.search(context.subject) and not re.search(r"fail|undeliver|return", context.subject, re.I):
        return not PERMANENT_TEXT.search(context.text)
    return bool(re.search(r"not yet been delivered|will continue|will be retried|still trying", context.text, re.I))


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
