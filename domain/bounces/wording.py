"""The wording of diagnostics, reason by reason: `says(reason, text)` on lower-cased text.

The phrases are the ones mail servers are documented or known to write for each reason (sisimai's
published reason definitions, Sisimai::Reason::*, plus the vendors' own error pages); they are
grouped by whose problem they describe in `wording_mailbox`, `wording_sender`, `wording_content`
and `wording_system`. Every pattern is a plain alternation with bounded gaps (`.{0,80}`), so a
match costs time linear in the (already bounded) diagnostic.
"""

from __future__ import annotations

import re

from domain.bounces.wording_content import CONTENT
from domain.bounces.wording_mailbox import MAILBOX
from domain.bounces.wording_sender import SENDER
from domain.bounces.wording_system import SYSTEM

PHRASES: dict[str, tuple[str, ...]] = {**MAILBOX, **SENDER, **CONTENT, **SYSTEM}
PATTERNS: dict[str, re.Pattern[str]] = {reason: re.compile("|".join(p)) for reason, p in PHRASES.items()}
# Phrases that rule a reason out even though one of its phrases matched (sisimai's `isnot` lists).
EXCEPT: dict[str, re.Pattern[str]] = {
    "rejected": re.compile(r"5\.1\.0 address rejected|recipient address rejected|sender ip address rejected"),
}


def says(reason: str, text: str) -> bool:
    """Does the lower-cased diagnostic `text` say `reason` in words?"""
    pattern = PATTERNS.get(reason)
    if pattern is None or not text or pattern.search(text) is None:
        return False
    exception = EXCEPT.get(reason)
    return exception is None or exception.search(text) is None


def phrased(reasons: tuple[str, ...], text: str) -> str:
    """The first of `reasons` whose wording `text` has, or ''."""
    return next((reason for reason in reasons if says(reason, text)), "")
