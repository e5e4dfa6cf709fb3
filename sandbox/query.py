"""The subset of Gmail's search language (`q`) the emulator understands (gmail-api.md §5).

Supported: rfc822msgid:, from:, to:, cc:, subject:, in:, label:, is:, after:/before: (dates or
epoch seconds), newer_than:/older_than: (d, m, y), has:attachment, and bare words (matched
against subject, snippet and body). Terms are ANDed; quotes group words. Unknown operators match
nothing, which is safer for a test double than matching everything.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.store import StoredMessage

Predicate = Callable[[StoredMessage], bool]
UNITS = {"d": 86400, "m": 86400 * 30, "y": 86400 * 365}


def _header_contains(name: str, value: str) -> Predicate:
    needle = value.lower()
    return lambda m: needle in (m.header(name) or "").lower()


def _epoch(value: str) -> float:
    if value.isdigit():
        return float(value)
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise ValueError(value)


def _in(label: str) -> Predicate:
    label = label.upper()
    if label == "ANYWHERE":
        return lambda m: True
    return lambda m: label in m.label_ids


def term(token: str) -> Predicate:
    negate = token.startswith("-")
    token = token[1:] if negate else token
    name, sep, value = token.partition(":")
    name = name.lower()
    predicate: Predicate
    if not sep:
        word = token.lower()
        predicate = lambda m: word in m.raw.decode("utf-8", "replace").lower()  # noqa: E731
    elif name == "rfc822msgid":
        wanted = value.strip("<>").lower()
        predicate = lambda m: (m.header("Message-ID") or "").strip().strip("<>").lower() == wanted  # noqa: E731
    elif name in ("from", "to", "cc", "bcc", "subject"):
        predicate = _header_contains(name, value)
    elif name in ("in", "label"):
        predicate = _in(value)
    elif name == "is":
        predicate = _in({"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}.get(value.lower(), value))
    elif name in ("after", "before"):
        edge = _epoch(value) * 1000
        predicate = (lambda m: m.internal_date_ms > edge) if name == "after" else (lambda m: m.internal_date_ms < edge)
    elif name in ("newer_than", "older_than"):
        match = re.fullmatch(r"(\d+)([dmy])", value.lower())
        if not match:
            raise ValueError(token)
        edge = (time.time() - int(match.group(1)) * UNITS[match.group(2)]) * 1000
        predicate = (
            (lambda m: m.internal_date_ms >= edge) if name == "newer_than" else (lambda m: m.internal_date_ms < edge)
        )
    elif name == "has" and value.lower() == "attachment":
        predicate = lambda m: b"Content-Disposition: attachment" in m.raw  # noqa: E731
    else:
        predicate = lambda m: False  # noqa: E731
    return (lambda m: not predicate(m)) if negate else predicate


def compile_query(q: str | None) -> Predicate:
    """A predicate for Gmail's `q`; raises ValueError on a malformed term (Gmail answers 400)."""
    if not q:
        return lambda m: True
    predicates = [term(token) for token in shlex.split(q)]
    return lambda m: all(p(m) for p in predicates)


def excluded_by_default(q: str | None) -> set[str]:
    """Gmail leaves SPAM and TRASH out of messages.list unless asked (includeSpamTrash or in:)."""
    lowered = (q or "").lower()
    return {
        label for label in ("SPAM", "TRASH") if f"in:{label.lower()}" not in lowered and "in:anywhere" not in lowered
    }
