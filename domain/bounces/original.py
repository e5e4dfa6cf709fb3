"""Which message a bounce is about: the returned original's Message-ID and X-Mailtrail-Id.

The original comes back attached (message/rfc822, or only its headers as text/rfc822-headers,
RFC 3462) or pasted into the text after a marker line ("This is a copy of the message",
"--- Below this line is a copy of the message.", "Original message headers:").
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.mime import Budget, Part, read_part
from domain.bounces.notice import Notice
from domain.bounces.text import LineStarts

INLINE_COPY: Final = LineStarts(
    r"[- ]*(?:this is a copy of (?:the|your) message|original message(?: follows)?|"
    r"below this line is a copy of the message|the original message (?:was|follows)|original message headers|"
    r"this is a copy of the message's headers|message headers follow|the header of the original message|"
    r"returned message|unsent message follows|(?:returned|original) mail follows|"
    r"a copy of the original message below this line)[^\n]{0,200}$",
    first="- abmortu",
)
# An indented header field in a pasted copy (never at the start: the copy is stripped of its indent).
INDENTED_FIELD: Final = re.compile(r"\n[ \t]+(?=[A-Za-z-]+:)")
MESSAGE_ID: Final = re.compile(r"<[^<>\s]{1,500}>")
MAX_INLINE: Final = 64 * 1024


def ids(value: str) -> list[str]:
    """The `<...>` message ids in a header value, in order."""
    return MESSAGE_ID.findall(value[:8192])


def first_id(value: str) -> str | None:
    """The first message id in a header value."""
    found = ids(value)
    return found[0] if found else None


def original_headers(notice: Notice) -> dict[str, str]:
    """`message-id` and `x-mailtrail-id` of the returned original, as far as they can be found."""
    attached = notice.original
    picked = _pick(attached) if attached is not None else {}
    return picked or _inline_copy(notice)


def _inline_copy(notice: Notice) -> dict[str, str]:
    for part in notice.parts:
        if part.maintype != "text" or part.children:
            continue
        text = part.text
        lowered = part.lower_text
        marker = INLINE_COPY.search(lowered) if len(lowered) == len(text) else None
        if marker is None:
            continue
        rest = text[marker[1] : marker[1] + MAX_INLINE].lstrip()  # blank lines, even of spaces
        if "\n " in rest or "\n\t" in rest:
            rest = INDENTED_FIELD.sub("\n", rest)  # indented header copies
        picked = _pick(read_part(rest, 1, Budget(parts=0)))
        if picked:
            return picked
    return {}


def _pick(headers: Part) -> dict[str, str]:
    picked: dict[str, str] = {}
    message_id = first_id(headers.field("message-id"))
    if message_id:
        picked["message-id"] = message_id
    mailtrail_id = headers.field("x-mailtrail-id").strip()
    if mailtrail_id:
        picked["x-mailtrail-id"] = mailtrail_id[:200]
    return picked
