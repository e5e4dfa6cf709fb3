"""RFC 3464 delivery-status fields: the per-message block and one block per recipient.

A `message/delivery-status` body is groups of header-like fields separated by blank lines
(RFC 3464 §2.1): first the per-message fields (Reporting-MTA, Arrival-Date, ...), then one group
per recipient (Final-Recipient, Action, Status, Diagnostic-Code, ...). Real reports bend this:
no blank line between recipients, fields indented, the report pasted into the text or quoted with
`>` when forwarded. Reading is line by line, once, and stops after `MAX_BLOCKS` recipients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from domain.bounces.addresses import clean, first_address
from domain.bounces.codes import status_field
from domain.bounces.frozen import quick_init
from domain.bounces.text import LineStarts

RECIPIENT_FIELDS: Final = ("final-recipient", "original-recipient", "x-actual-recipient")
MAX_BLOCKS: Final = 1000
# A DSN field written into the text of a notification (broken MIME, a pasted or forwarded report).
DSN_IN_TEXT: Final = LineStarts(r"[ \t>]*(?:final|original)-recipient[ \t]*:[ \t]*\S", re.IGNORECASE)
QUOTING: Final = LineStarts(r"[ \t]*(?:>(?!>> )[ \t]?)+")
ALL_RECIPIENT_FIELDS: Final = frozenset(RECIPIENT_FIELDS)
OPENING_FIELDS: Final = frozenset(RECIPIENT_FIELDS[:2])  # the fields that may begin a group (checked inline first)
PER_MESSAGE: Final = frozenset(
    {
        "reporting-mta",
        "dsn-gateway",
        "received-from-mta",
        "arrival-date",
        "original-envelope-id",
        "x-original-message-id",
    }
)
SUCCESS_ACTIONS: Final = frozenset({"delivered", "relayed", "expanded"})


@quick_init
@dataclass(frozen=True)
class Entry:
    """One recipient's block of an RFC 3464 report, its fields read."""

    address: str | None
    action: str  # lower case, first word ('' when absent)
    status: str | None  # the Status field's code
    diagnostic: str  # the Diagnostic-Code text without its type
    kind: str  # the Diagnostic-Code type: smtp, x-postfix, x-unix, ...
    remote_mta: str


def read_fields(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The per-message fields and the per-recipient field groups of a delivery-status body."""
    groups: list[dict[str, str]] = []
    group: dict[str, str] = {}
    key = ""
    for line in text.split("\n"):
        if not line.strip():
            if group:
                groups.append(group)
                group, key = {}, ""
            if len(groups) > MAX_BLOCKS:
                break
            continue
        if line[:1] in (" ", "\t") and key:
            if len(group[key]) < 2000:
                group[key] = f"{group[key]} {line.strip()}"
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or " " in name or len(name) > 40:
            key = ""
            continue
        if group and (name in group or name in OPENING_FIELDS) and _starts_group(name, group):
            groups.append(group)
            group = {}
        key = name
        group[key] = value.strip()
    if group:
        groups.append(group)
    per_message: dict[str, str] = {}
    recipients: list[dict[str, str]] = []
    for fields in groups:
        if not OPENING_FIELDS.isdisjoint(fields):
            recipients.append(fields)
        else:
            for name, value in fields.items():
                per_message.setdefault(name, value)
    return per_message, recipients[:MAX_BLOCKS]


def _starts_group(name: str, group: dict[str, str]) -> bool:
    """A field that begins a new group although no blank line came before it."""
    if name in group:
        return True  # a field repeats: the next recipient has begun
    if name not in RECIPIENT_FIELDS[:2]:
        return False
    has_recipient = not ALL_RECIPIENT_FIELDS.isdisjoint(group)
    return (has_recipient and "action" in group) or (not has_recipient and not PER_MESSAGE.isdisjoint(group))


def entry(fields: dict[str, str]) -> Entry:
    """One recipient group's fields, read."""
    kind, _, diagnostic = fields.get("diagnostic-code", "").partition(";")
    if not _:
        kind, diagnostic = "", kind
    if " " in kind.strip():
        kind, diagnostic = "", fields.get("diagnostic-code", "")
    return Entry(
        address=recipient_address(fields),
        action=(fields.get("action", "").lower().split() or [""])[0],
        status=status_field(fields.get("status", "")),
        diagnostic=diagnostic.strip(),
        kind=kind.strip().lower(),
        remote_mta=strip_type(fields.get("remote-mta", "")),
    )


def recipient_address(fields: dict[str, str]) -> str | None:
    """Final-Recipient (RFC 3464 §2.3.2), else Original-Recipient, else X-Actual-Recipient."""
    for name in RECIPIENT_FIELDS:
        value = strip_type(fields.get(name, ""))
        address = first_address(value) if "@" in value else None
        if address:
            return address
    return None


def strip_type(value: str) -> str:
    """`rfc822; user@example.com` -> `user@example.com` (the address-type or MTA-name-type)."""
    head, semicolon, rest = value.partition(";")
    return rest.strip() if semicolon and " " not in head.strip() else value.strip()


def is_success(action: str, status: str | None) -> bool:
    """A recipient the report says was delivered, relayed or expanded (RFC 3464 §2.3.3)."""
    return action in SUCCESS_ACTIONS or bool(status and status.startswith("2."))


def dsn_region(text: str) -> str:
    """RFC 3464 fields written into the text, quoting removed; '' when there are none."""
    if DSN_IN_TEXT.search(text) is None:
        return ""
    return QUOTING.remove(text) if ">" in text else text


def cleaned(address: str | None) -> str | None:
    """An address from a field, cleaned."""
    return clean(address) if address else None
