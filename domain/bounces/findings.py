"""What a reader finds about one recipient before it is classified."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

from domain.bounces.codes import reply_in, status_from_reply, status_in
from domain.bounces.frozen import quick_init


@quick_init
@dataclass(frozen=True)
class Finding:
    """A bounced recipient as a notification's format states it; unknown parts left empty."""

    email: str
    diagnostic: str = ""
    status: str | None = None
    action: str | None = None  # "failed" or "delayed" when the format says which
    command: str | None = None  # the refused SMTP command when the format says it
    hint: str | None = None  # a reason the format itself settles
    kind: str = ""  # the Diagnostic-Code type (smtp, x-postfix, x-unix, ...)
    remote: str = ""  # the remote MTA that answered, when known
    default: str | None = None  # the format's reason when the reply itself settles none

    def with_(self, **changes: object) -> Finding:
        """A copy with some fields changed (a plain copy of its attributes: dataclasses.replace
        re-runs the frozen __init__, which costs more than most of what is done with a finding)."""
        if not changes.keys() <= FIELDS:
            raise TypeError(f"Finding has no field {sorted(changes.keys() - FIELDS)[0]!r}")
        copy = object.__new__(Finding)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy


FIELDS: Final = frozenset(f.name for f in fields(Finding))


def status_of(diagnostic: str) -> str | None:
    """The status a diagnostic states: its enhanced code, else the class of its reply code."""
    return status_in(diagnostic) or status_from_reply(reply_in(diagnostic))


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per address, the more informative one kept, in first-seen order."""
    kept: dict[str, Finding] = {}
    for finding in findings:
        current = kept.get(finding.email)
        if current is None or _richer(finding, current):
            kept[finding.email] = finding
    return list(kept.values())


def _richer(new: Finding, old: Finding) -> bool:
    if bool(new.status) != bool(old.status):
        return bool(new.status)
    return bool(new.diagnostic) and not old.diagnostic
