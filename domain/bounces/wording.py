"""The wording of diagnostics, reason by reason: `says(reason, text)` on lower-cased text.

The phrases are the ones mail servers are documented or known to write for each reason (sisimai's
published reason definitions, Sisimai::Reason::*, plus the vendors' own error pages); they are
grouped by whose problem they describe in `wording_mailbox`, `wording_sender`, `wording_content`
and `wording_system`. Every pattern is a plain alternation with bounded gaps (`.{0,80}`), so a
match costs time linear in the (already bounded) diagnostic.

Each phrase has a gate: the longest literal text every match of it contains. A phrase runs only
when its gate is in the diagnostic, so most diagnostics run only a handful of small patterns.
`gated(text)` finds every reason with a gate in the text at once: each gate is filed under four
consecutive four-character pieces of it (the rarest such run among the gates), the text cut into
pieces every four characters, and only the gates filed under a piece the text holds are looked
for (a set of a quarter as many pieces as the text has characters, instead of some 500 substring
searches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from domain.bounces.wording_content import CONTENT
from domain.bounces.wording_mailbox import MAILBOX
from domain.bounces.wording_sender import SENDER
from domain.bounces.wording_system import SYSTEM

PHRASES: dict[str, tuple[str, ...]] = {**MAILBOX, **SENDER, **CONTENT, **SYSTEM}
# Phrases that rule a reason out even though one of its phrases matched (sisimai's `isnot` lists).
EXCEPT: dict[str, re.Pattern[str]] = {
    "rejected": re.compile(r"5\.1\.0 address rejected|recipient address rejected|sender ip address rejected"),
}
KEY: Final = 4  # characters in the pieces a gate is filed under
STRIDE: Final = 4  # a text's pieces are taken every STRIDE characters
QUANTIFIERS: Final = "*+?{"
ESCAPED_LITERALS: Final = set(".-/()[]{}?*+|^$#'\"<>:;,!=&%@ _")


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
    """One reason's phrases and their gates: a phrase runs only when its gate is in the text.

    The phrases are kept grouped by gate (`by_gate`), each group compiled on its own, so a text
    runs only the few alternatives whose gate it holds, not the reason's whole alternation.
    """

    pattern: re.Pattern[str]  # every phrase of the reason
    gates: tuple[str, ...]  # texts every match of some phrase contains
    ungated: bool  # some phrase has no gate: those phrases always run
    by_gate: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (gate, its phrases) in gate order
    loose: re.Pattern[str] | None = None  # the phrases without a gate
    phrases_of: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)  # by_gate as a dict

    def __post_init__(self) -> None:
        object.__setattr__(self, "phrases_of", dict(self.by_gate))

    @classmethod
    def of(cls, fragments: tuple[str, ...]) -> Wording:
        """A reason's phrases, compiled, with their gates."""
        grouped: dict[str, list[str]] = {}
        for alternative in (a for f in fragments for a in alternatives(f)):
            grouped.setdefault(gate(alternative), []).append(alternative)
        loose = grouped.pop("", None)
        return cls(
            re.compile("|".join(fragments)),
            tuple(sorted(grouped)),
            loose is not None,
            tuple((g, re.compile("|".join(grouped[g]))) for g in sorted(grouped)),
            re.compile("|".join(loose)) if loose else None,
        )

    def found_in(self, text: str) -> bool:
        """Does `text` hold one of these phrases?"""
        for gate_text, phrases in self.by_gate:
            if gate_text in text and phrases.search(text) is not None:
                return True
        return self.loose is not None and self.loose.search(text) is not None

    def found_with(self, text: str, gates: list[str]) -> bool:
        """`found_in(text)` when `gates` are exactly this wording's gates that `text` holds (`gates_in`):
        only their phrases run, without looking for every other gate again."""
        for gate_text in gates:
            if self.phrases_of[gate_text].search(text) is not None:
                return True
        return self.loose is not None and self.loose.search(text) is not None


WORDINGS: dict[str, Wording] = {reason: Wording.of(fragments) for reason, fragments in PHRASES.items()}
# Not Final, so a test's replacement reaches the compiled `gated` (tests/domain/bounces/test_wording.py).
UNGATED = frozenset(reason for reason, wording in WORDINGS.items() if wording.ungated)


def pieces(text: str, stride: int = 1) -> set[str]:
    """The `KEY`-character pieces of `text` that start every `stride` characters."""
    return {text[i : i + KEY] for i in range(0, len(text) - KEY + 1, stride)}


def _window(gate_text: str, commonness: dict[str, int]) -> int:
    """Where the gate's `STRIDE` filing pieces start: the run of them fewest other gates share.

    Any `STRIDE` consecutive pieces of a gate catch it (the text's aligned piece falls on one of
    them); filing under rare ones ("mailb", not "mess" of every "message") keeps the gates a text
    must be searched for few.
    """
    starts = range(len(gate_text) - KEY - STRIDE + 2)
    return min(starts, key=lambda k: sum(commonness[gate_text[k + o : k + o + KEY]] for o in range(STRIDE)))


def _filed() -> tuple[dict[str, tuple[tuple[str, str], ...]], tuple[tuple[str, str], ...]]:
    """(reason, gate) pairs under `STRIDE` consecutive pieces of each gate; the gates too short for that.

    Wherever a gate of `KEY + STRIDE - 1` characters or more occurs in a text, the text's piece
    that starts at the first multiple of `STRIDE` at or after its window lies inside it, starting
    at one of the window's `STRIDE` characters: so the text's pieces at every `STRIDE`-th position
    meet it.
    """
    gates = {g for wording in WORDINGS.values() for g in wording.gates}
    commonness: dict[str, int] = {}
    for piece in (p for g in gates for p in pieces(g)):
        commonness[piece] = commonness.get(piece, 0) + 1
    filed: dict[str, list[tuple[str, str]]] = {}
    short: list[tuple[str, str]] = []
    for reason, wording in WORDINGS.items():
        for gate_text in wording.gates:
            if len(gate_text) < KEY + STRIDE - 1:
                short.append((reason, gate_text))
                continue
            start = _window(gate_text, commonness)
            for key in {gate_text[start + offset : start + offset + KEY] for offset in range(STRIDE)}:
                filed.setdefault(key, []).append((reason, gate_text))
    return {key: tuple(pairs) for key, pairs in filed.items()}, tuple(short)


FILED, SHORT = _filed()


def filed_in(text: str) -> list[tuple[str, str]]:
    """The (reason, gate) pairs filed under the text's pieces at every `STRIDE`-th position, each
    piece once. A loop over the positions: compiled (see domain.bounces.native) it makes only the
    pieces and one dict lookup each, where cutting them with a regex and intersecting costs more."""
    filed = FILED  # read once: compiled code looks a module global that is not Final up at each use
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for start in range(0, len(text) - KEY + 1, STRIDE):
        piece = text[start : start + KEY]
        pairs = filed.get(piece)
        if pairs is not None and piece not in seen:
            seen.add(piece)
            found.extend(pairs)
    return found


def gated(text: str) -> frozenset[str]:
    """Every reason one of whose gates is in `text` (so its pattern needs running), ungated ones too."""
    found = set(UNGATED)
    for reason, gate_text in SHORT:
        if reason not in found and gate_text in text:
            found.add(reason)
    for reason, gate_text in filed_in(text):
        if reason not in found and gate_text in text:
            found.add(reason)
    return frozenset(found)


def gates_in(text: str) -> dict[str, list[str]]:
    """Every reason one of whose gates is in `text` (ungated ones too), with all of its gates the text
    holds: what `gated` finds, and for `says_with` which of each reason's phrases need running."""
    found: dict[str, list[str]] = {reason: [] for reason in UNGATED} if UNGATED else {}
    for reason, gate_text in SHORT:
        if gate_text in text:
            found.setdefault(reason, []).append(gate_text)
    for reason, gate_text in filed_in(text):
        held = found.get(reason)
        if held is not None and gate_text in held:
            continue  # a gate is filed under several pieces the text may all hold: searched for once
        if gate_text in text:
            if held is None:
                found[reason] = [gate_text]
            else:
                held.append(gate_text)
    return found


def says_with(reason: str, text: str, gates: dict[str, list[str]]) -> bool:
    """`says(reason, text, gated(text))`, given `gates_in(text)`."""
    wording = WORDINGS.get(reason)
    held = gates.get(reason)
    if wording is None or held is None or not text or not wording.found_with(text, held):
        return False
    exception = EXCEPT.get(reason)
    return exception is None or exception.search(text) is None


def says(reason: str, text: str, candidates: frozenset[str] | None = None) -> bool:
    """Does the lower-cased diagnostic `text` say `reason` in words? (`candidates`: `gated(text)`)"""
    wording = WORDINGS.get(reason)
    if wording is None or not text:
        return False
    if (candidates is not None and reason not in candidates) or not wording.found_in(text):
        return False
    exception = EXCEPT.get(reason)
    return exception is None or exception.search(text) is None
