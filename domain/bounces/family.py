"""A mail-server family: how to recognise its notifications and read the recipients out of them.

Each module in `domain.bounces.families` defines one `Family` (the way sisimai keeps one module
per MTA); `domain.bounces.registry` lists them in the order they are tried. A family may:
- `sniff` a notice: is this one of ours? (headers and marker lines, cheap);
- `read` its text format: the recipients, with whatever its format states about each;
- `refine` a recipient found in the structured report: the command or reason its own wording
  settles (a table of the messages that MTA is known to write);
- `exclude` its notices that are not bounces (a delivery or complaint notification);
- `completes_report`: its `read` says something about every recipient of its report that the
  RFC 3464 fields the parser reads leave out (PowerMTA's own bounce category), so it is consulted
  for each one, not only for those without a diagnostic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from domain.bounces.findings import Finding
from domain.bounces.literals import alternation
from domain.bounces.notice import Notice


def read_nothing(notice: Notice) -> list[Finding]:
    """A family whose notifications always carry a readable report."""
    return []


def keep(finding: Finding) -> Finding:
    """No refinement."""
    return finding


def never(notice: Notice) -> bool:
    """A family none of whose notices is ruled out."""
    return False


@dataclass(frozen=True)
class Family:
    """One mail-server family's rules."""

    name: str
    sniff: Callable[[Notice], bool]
    read: Callable[[Notice], list[Finding]] = read_nothing
    refine: Callable[[Finding], Finding] = keep
    excludes: Callable[[Notice], bool] = never  # its notices that are not bounces (success reports)
    completes_report: bool = False  # its read() adds a reason to every recipient of its report


def phrase_table(table: dict[str, tuple[str, ...]]) -> Callable[[str], str | None]:
    """A lookup from a diagnostic to the first reason whose listed phrase it contains (case-insensitive)."""
    compiled = [(reason, re.compile(alternation(p.lower() for p in phrases))) for reason, phrases in table.items()]
    # Every reason's phrases in one pattern: a diagnostic holding none (most) is settled by one search.
    any_phrase = re.compile(alternation(p.lower() for phrases in table.values() for p in phrases))

    def lookup(diagnostic: str) -> str | None:
        lowered = diagnostic.lower()
        if any_phrase.search(lowered) is None:
            return None
        for reason, pattern in compiled:
            if pattern.search(lowered):
                return reason
        return None

    return lookup


def section(lines: list[str], start: re.Pattern[str], end: re.Pattern[str] | None = None) -> list[str]:
    """The lines after the first one matching `start`, up to the first one matching `end`."""
    for index, line in enumerate(lines):
        if start.search(line):
            rest = lines[index + 1 :]
            if end is None:
                return rest
            stop = next((i for i, later in enumerate(rest) if end.search(later)), len(rest))
            return rest[:stop]
    return []
