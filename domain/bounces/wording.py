"""The wording of diagnostics, reason by reason: `says(reason, text)` on lower-cased text.

The phrases are the ones mail servers are documented or known to write for each reason (sisimai's
published reason definitions, Sisimai::Reason::*, plus the vendors' own error pages); they are
grouped by whose problem they describe in `wording_mailbox`, `wording_sender`, `wording_content`
and `wording_system`. Every pattern is a plain alternation with bounded gaps (`.{0,80}`), so a
match costs time linear in the (already bounded) diagnostic.

Each phrase has a gate when it can: a word every match of it holds whole, or else the longest
literal text every match contains. A reason's pattern runs only when one of its gates is in the
diagnostic (a set lookup against the diagnostic's words, computed once, or a substring test), so
most diagnostics run only a handful of the patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.bounces.wording_content import CONTENT
from domain.bounces.wording_mailbox import MAILBOX
from domain.bounces.wording_sender import SENDER
from domain.bounces.wording_system import SYSTEM

PHRASES: dict[str, tuple[str, ...]] = {**MAILBOX, **SENDER, **CONTENT, **SYSTEM}
# Phrases that rule a reason out even though one of its phrases matched (sisimai's `isnot` lists).
EXCEPT: dict[str, re.Pattern[str]] = {
    "rejected": re.compile(r"5\.1\.0 address rejected|recipient address rejected|sender ip address rejected"),
}
WORD = re.compile(r"\w+")
QUANTIFIERS = "*+?{"
ESCAPED_LITERALS = set(".-/()[]{}?*+|^$#'\"<>:;,!=&%@ _")


def alternatives(fragment: str) -> list[str]:
    """The fragment split at its top-level `|`."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(fragment):
        char = fragment[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = fragment.find("]", index + 2) + 1 or len(fragment)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(fragment[start:index])
            start = index + 1
        index += 1
    return [*parts, fragment[start:]]


def literal_runs(alternative: str) -> list[str]:
    """The runs of literal text outside any group in one alternative (each must occur in a match)."""
    runs: list[str] = [""]
    depth, index = 0, 0
    while index < len(alternative):
        char = alternative[index]
        following = alternative[index + 1 : index + 2]
        if char == "\\":
            if depth == 0 and following in ESCAPED_LITERALS and following:
                runs[-1] += following
            else:
                runs.append("")
            index += 2
        elif char == "[":
            runs.append("")
            index = alternative.find("]", index + 2) + 1 or len(alternative)
        elif char in "()":
            depth += 1 if char == "(" else -1
            runs.append("")
            index += 1
        elif char in QUANTIFIERS:
            runs[-1] = runs[-1][:-1]  # the quantified character (or group) is optional
            runs.append("")
            index = alternative.find("}", index) + 1 if char == "{" else index + 1
        elif char in ".^$":
            runs.append("")
            index += 1
        else:
            if depth == 0:
                runs[-1] += char
            index += 1
    return [run for run in runs if run]


def gate(alternative: str) -> str:
    """The longest literal text every match of `alternative` contains ('' when under 3 characters)."""
    runs = literal_runs(alternative)
    longest = max(runs, key=len) if runs else ""
    return longest if len(longest.strip()) >= 3 else ""


@dataclass(frozen=True)
class Wording:
    """One reason's phrases and their gates: the pattern runs only when a gate is in the text."""

    pattern: re.Pattern[str]
    gates: tuple[str, ...]  # texts every match of some phrase contains
    ungated: bool  # some phrase has no gate: the pattern always runs

    @classmethod
    def of(cls, fragments: tuple[str, ...]) -> Wording:
        """A reason's phrases, compiled, with their gates."""
        found = [gate(a) for f in fragments for a in alternatives(f)]
        return cls(re.compile("|".join(fragments)), tuple(sorted({g for g in found if g})), not all(found))

    def found_in(self, text: str) -> bool:
        """Does `text` hold one of these phrases?"""
        if not self.ungated and not any(map(text.__contains__, self.gates)):
            return False
        return self.pattern.search(text) is not None


WORDINGS: dict[str, Wording] = {reason: Wording.of(fragments) for reason, fragments in PHRASES.items()}


def says(reason: str, text: str) -> bool:
    """Does the lower-cased diagnostic `text` say `reason` in words?"""
    wording = WORDINGS.get(reason)
    if wording is None or not text or not wording.found_in(text):
        return False
    exception = EXCEPT.get(reason)
    return exception is None or exception.search(text) is None
