"""The first pass of the classifier: does the code, the command or the wording settle one reason?

One rule per reason, tried in `FIRST_PASS` order by `domain.bounces.classify`; the rules are
sisimai's published ones (Sisimai::Reason::*->true / ProbesInto): a reason the status code names
wins unless the wording names a stronger one, a filter counts only after DATA, a refused sender
only at MAIL or DATA, spam only when not refused before DATA.
"""

from __future__ import annotations

from collections.abc import Callable, KeysView
from dataclasses import dataclass, field
from typing import Final

from domain.bounces.commands import BEFORE_DATA, DATA, EHLO, HELO, MAIL, RCPT
from domain.bounces.wording import gates_in, says_with

CONN: Final = "CONN"
# Reasons sisimai decides again even when the reporting MTA's own format named them.
RETRY: Final = frozenset(
    {
        "undefined",
        "onhold",
        "systemerror",
        "securityerror",
        "expired",
        "suspend",
        "networkerror",
        "hostunknown",
        "userunknown",
    }
)


@dataclass(slots=True)
class Fact:
    """What the classifier knows about one recipient."""

    code: str  # the enhanced status code used for classifying ('' when none)
    named: str  # the reason that code names by itself ('' when none)
    text: str  # the diagnostic, lower-cased
    command: str  # the refused SMTP command ('' when unknown)
    hint: str  # a reason the reporting MTA's own format settles ('' when none)
    reply: str  # the SMTP reply code in the diagnostic ('' when none)
    gates: dict[str, list[str]] = field(init=False, compare=False, repr=False)  # reason -> its gates in the text
    candidates: KeysView[str] = field(init=False, compare=False, repr=False)  # reasons with a gate in the text
    _said: dict[str, bool] = field(init=False, default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.gates = gates_in(self.text)
        self.candidates = self.gates.keys()

    def says(self, reason: str) -> bool:
        """Does the diagnostic word `reason` (each reason's patterns run once per recipient)."""
        if reason not in self.candidates:
            return False
        known = self._said.get(reason)
        if known is None:
            known = self._said[reason] = says_with(reason, self.text, self.gates)
        return known


def _named_or_said(f: Fact, reason: str) -> bool:
    """The reason the format settles, the status code names, or the wording says."""
    return f.hint == reason or f.named == reason or f.says(reason)


def _said(f: Fact, reason: str) -> bool:
    """The reason the format settles or the wording says (the status code alone is not enough)."""
    return f.hint == reason or f.says(reason)


def _mesgtoobig(f: Fact, reason: str) -> bool:
    if f.hint == "mesgtoobig" or f.named == "mesgtoobig":
        return True
    if f.named == "exceedlimit" or f.code == "5.2.3":
        return False
    return f.says("mesgtoobig")


def _suspend(f: Fact, reason: str) -> bool:
    return f.hint == "suspend" or f.reply == "525" or f.says("suspend")


def _norelaying(f: Fact, reason: str) -> bool:
    if f.hint == "norelaying":
        return True
    if f.hint in ("securityerror", "systemerror", "undefined") or f.command in (CONN, EHLO, HELO):
        return False
    return f.says("norelaying")


def _userunknown(f: Fact, reason: str) -> bool:
    if f.hint == "userunknown":
        return True
    if f.named == "suspend":
        return False
    if f.named == "userunknown":
        others = ("norelaying", "blocked", "mailboxfull", "hasmoved", "rejected", "notaccept")
        return not any(f.says(other) for other in others)
    return f.command == RCPT and f.says("userunknown")


def _filtered(f: Fact, reason: str) -> bool:
    if f.hint == "filtered":
        return True
    if f.named == "suspend":
        return False
    if f.named != "filtered" and f.command in BEFORE_DATA:
        return False
    return f.says("userunknown") or f.says("filtered")


def _contenterror(f: Fact, reason: str) -> bool:
    if f.hint == "contenterror":
        return True
    if _spamdetected(f, "spamdetected"):
        return False
    return f.named == "contenterror" or f.says("contenterror")


def _rejected(f: Fact, reason: str) -> bool:
    if f.hint == "rejected" or f.named == "rejected":
        return True
    if f.command == MAIL:
        return f.says("rejected")
    if f.command == DATA:
        return f.named != "userunknown" and f.says("rejected")
    if f.named in ("", "onhold", "undefined", "securityerror", "systemerror"):
        return f.says("rejected")
    return False


def _hostunknown(f: Fact, reason: str) -> bool:
    if f.hint == "hostunknown":
        return True
    if f.named == "hostunknown":
        return not f.says("networkerror")
    return f.says("hostunknown")


def _spamdetected(f: Fact, reason: str) -> bool:
    if not f.code:
        return False
    if f.hint == "spamdetected" or f.named == "spamdetected":
        return True
    return f.command not in BEFORE_DATA and f.says("spamdetected")


# Each rule is called with its own reason (the shared rules need it, the specific ones ignore it).
PROBES: dict[str, Callable[[Fact, str], bool]] = {
    "mailboxfull": _named_or_said,
    "mesgtoobig": _mesgtoobig,
    "exceedlimit": _named_or_said,
    "suspend": _suspend,
    "hasmoved": _said,
    "norelaying": _norelaying,
    "authfailure": _named_or_said,
    "userunknown": _userunknown,
    "filtered": _filtered,
    "requireptr": _named_or_said,
    "notcompliantrfc": _said,
    "badreputation": _said,
    "contenterror": _contenterror,
    "rejected": _rejected,
    "hostunknown": _hostunknown,
    "spamdetected": _spamdetected,
    "speeding": _said,
    "toomanyconn": _named_or_said,
    "blocked": _named_or_said,
}
FIRST_PASS: Final = tuple(PROBES)


def possible(fact: Fact) -> set[str]:
    """The reasons whose rule may hold: every rule needs its reason to be the format's hint, the
    code's reason or among the wording's candidates, but for a 525 reply (`suspend`) and wording
    of an unknown user (`filtered`). Most rules are ruled out without being called."""
    found = set(fact.candidates)
    found.add(fact.hint)
    found.add(fact.named)
    if fact.reply == "525":
        found.add("suspend")
    if "userunknown" in fact.candidates:
        found.add("filtered")
    return found


def first_pass(fact: Fact) -> str:
    """The first reason in `FIRST_PASS` whose rule holds, or ''."""
    maybe = possible(fact)
    for reason, probe in PROBES.items():
        if reason in maybe and probe(fact, reason):
            return reason
    return ""
