"""Status codes in bounce text: RFC 3463 enhanced codes (`5.1.1`) and RFC 5321 reply codes (`550`).

The look-behinds keep both patterns linear: a match can only start after a character that is
neither a digit nor a dot, so a long run of digits and dots is tried once, not at every position.
Each look-behind sits after the code's first digit, not before it (the same condition on the
character before it): a pattern that begins with a character class lets the regex engine skip
ahead to the next 2, 4 or 5, where one that begins with a look-behind is tried at every position
(searches two to three times faster on a diagnostic). An enhanced code goes further: its match
starts at the dot after the class digit, a literal the engine skips to faster still. Only the
groups of an ENHANCED match are read (never where it starts).
"""

from __future__ import annotations

import re
from typing import Final

# The enhanced code's match starts at its first dot, the class digit read by a look-behind (its group
# still captured): a search then skips to each dot as fast as to a literal, where starting at a class
# of digits costs a test of the set at every character. The matches found are the same ones.
ENHANCED: Final = re.compile(r"\.(?<=([245])\.)(?<![\w.][245]\.)(\d{1,3})\.(\d{1,3})(?!\.?\d)")
REPLY: Final = re.compile(r"([245])(?<![\w.-][245])\d\d(?!\w|\.\d)")
REPLY_AT_START: Final = re.compile(r"\s*([245]\d\d)(?:[ -]|$)")


def status_in(text: str, *, success: bool = False) -> str | None:
    """The first enhanced status code in `text`; 2.x.x ones only when `success` is asked for."""
    for match in ENHANCED.finditer(text or ""):
        if success or match.group(1) != "2":
            return ".".join(match.groups())
    return None


def reply_in(text: str) -> str | None:
    """The first SMTP reply code (4xx or 5xx) in `text`."""
    for match in REPLY.finditer(text or ""):
        if match.group(1) != "2":
            return match.group(0)
    return None


def status_from_reply(reply: str | None) -> str | None:
    """The class-only status a bare reply code implies (`550` -> `5.0.0`, RFC 3463 §3.1)."""
    return f"{reply[0]}.0.0" if reply and reply[0] in "45" else None


def is_temporary(status: str | None) -> bool:
    """A persistent transient failure (RFC 3463 class 4)."""
    return bool(status) and str(status).startswith("4.")


def status_field(value: str) -> str | None:
    """The code of an RFC 3464 `Status:` field (`5.1.1 (user unknown)` -> `5.1.1`)."""
    match = ENHANCED.search(value or "")
    return ".".join(match.groups()) if match else None
