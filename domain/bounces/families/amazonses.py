"""Amazon SES: bounce notifications as JSON through SNS (`"notificationType": "Bounce"` with
`bouncedRecipients`, AWS SES developer guide, "Amazon SES notification contents"), and SES's
own emailed bounces ("An error occurred while trying to deliver the mail to the following
recipients:") with a report. A Delivery or Complaint notification is not a bounce."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from domain.bounces.addresses import clean
from domain.bounces.family import Family
from domain.bounces.findings import Finding, status_of
from domain.bounces.notice import Notice
from domain.bounces.report import strip_type

TYPE: Final = re.compile(r'\\?"(?:notificationType|eventType)\\?"\s*:\s*\\?"(\w{1,40})')
MARKER_TEXT: Final = "an error occurred while trying to deliver the mail to the following recipients"
SNS_FOLD: Final = re.compile(r"!?\r?\n ")
MAX_JSON: Final = 256 * 1024


def _kind(notice: Notice) -> str | None:
    if "notificationtype" not in notice.intro and "eventtype" not in notice.intro:
        return None
    match = TYPE.search(notice.full_text[:MAX_JSON])
    return match.group(1).lower() if match else None


def sniff(notice: Notice) -> bool:
    """An SES notification in JSON, or SES's emailed bounce."""
    return MARKER_TEXT in notice.intro or _kind(notice) is not None


def excludes(notice: Notice) -> bool:
    """A Delivery or Complaint notification (SES says what it is)."""
    kind = _kind(notice)
    return kind is not None and kind != "bounce"


def read(notice: Notice) -> list[Finding]:
    """The bounced recipients of the JSON notification, else SES's text."""
    document = _document(notice.full_text[:MAX_JSON])
    if document is None:
        from domain.bounces.prose import scan

        return scan(notice)
    bounce = document.get("bounce")
    if not isinstance(bounce, dict):
        return []
    found = []
    for item in bounce.get("bouncedRecipients") or []:
        if not isinstance(item, dict):
            continue
        address = clean(str(item.get("emailAddress", "")))
        if not address:
            continue
        diagnostic = strip_type(str(item.get("diagnosticCode", "")))
        status = status_of(str(item.get("status", ""))) or status_of(diagnostic)
        action = "delayed" if str(item.get("action", "")).lower().startswith("delay") else "failed"
        found.append(Finding(address, diagnostic, status, action))
    return found


def _document(text: str) -> dict[str, Any] | None:
    """The notification object: an SNS envelope's Message unwrapped when there is one."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    raw = SNS_FOLD.sub("", text[start : end + 1])
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("Message"), str):
        try:
            document = json.loads(document["Message"])
        except ValueError:
            return None
    return document if isinstance(document, dict) else None


FAMILY: Family = Family("amazonses", sniff, read, excludes=excludes)
