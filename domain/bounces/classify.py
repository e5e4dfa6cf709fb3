"""Why a recipient bounced, in sisimai's vocabulary, and what that means for the address.

The decision follows sisimai's published order (Sisimai::Reason->find): a reason the reporting
MTA's own format settles stands unless it is a vague one; otherwise the first pass
(`domain.bounces.probes`) lets the status code, the refused SMTP command and distinctive wording
settle it; then the wording alone in `FALLBACK_WORDING` order; then what the code's class says
(X.6 content, X.7 security), an `X-Unix` pipe error, a 50x syntax reply, a delay, a refused
HELO; and finally `onhold` (a diagnostic that says nothing decidable) or `undefined`.
Permanence and scope come from `domain.bounces.reasons`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from domain.bounces import reasons
from domain.bounces.codes import ENHANCED, REPLY
from domain.bounces.commands import EHLO, HELO
from domain.bounces.frozen import quick_init
from domain.bounces.model import Permanence, Scope
from domain.bounces.probes import RETRY, Fact, first_pass
from domain.bounces.statuses import status_reason
from domain.bounces.wording import says

MAX_DIAGNOSTIC: Final = 2000
# When neither the code nor the first pass decides: the wording, in sisimai 5's order (ClassOrder[1]).
FALLBACK_WORDING: Final = (
    "mailboxfull",
    "spamdetected",
    "policyviolation",
    "virusdetected",
    "norelaying",
    "authfailure",
    "badreputation",
    "securityerror",
    "systemerror",
    "networkerror",
    "speeding",
    "suspend",
    "expired",
    "contenterror",
    "systemfull",
    "notaccept",
    "mailererror",
)
# RFC 3463 subject classes that name a reason when nothing more specific does.
# RFC 5321 §4.2.2: 50x replies say the command or its arguments were not understood.
SYNTAX_REPLIES: Final = frozenset(f"{c}0{n}" for c in "45" for n in "1234567")
CLASS_REASONS: Final = {"5.6": "contenterror", "4.6": "contenterror", "5.7": "securityerror", "4.7": "securityerror"}


@quick_init
@dataclass(frozen=True)
class Verdict:
    """The reason for one recipient's bounce and what it means for the address."""

    reason: str
    permanence: Permanence
    scope: Scope

    @property
    def hard(self) -> bool:
        """A hard bounce (the address itself is bad)."""
        return self.permanence is Permanence.HARD


def classify(
    status: str | None,
    diagnostic: str,
    action: str,
    *,
    command: str | None = None,
    hint: str | None = None,
    kind: str = "",
    default: str | None = None,
) -> Verdict:
    """The verdict for one recipient: its status code, diagnostic, action, and what the format says.

    `command` is the refused SMTP command when known, `hint` a reason the reporting MTA's own format
    settles, `kind` the Diagnostic-Code type (`smtp`, `x-unix`, `x-postfix`; '' when none), and
    `default` what the format implies when the reply itself settles nothing (qmail's "does not like
    recipient." is an unknown user unless the remote server said something more specific).
    """
    reason = _reason(status or "", (diagnostic or "")[:MAX_DIAGNOSTIC], action, command or "", hint or "", kind)
    if default and reason in ("onhold", "undefined"):
        reason = default
    return Verdict(reason, reasons.permanence(reason, status, action), reasons.scope(reason, status))


def _reason(status: str, diagnostic: str, action: str, command: str, hint: str, kind: str) -> str:
    if status.startswith("2."):
        return "delivered"
    if hint and hint not in RETRY:
        return hint
    code = _specific(status, diagnostic)
    text = diagnostic.lower()
    reply = REPLY.search(diagnostic)
    fact = Fact(code, status_reason(code), text, command, hint, reply.group(0) if reply else "")
    kind = kind.lower() or "smtp"  # a diagnostic without a type is an SMTP reply (sisimai's default)
    reason = first_pass(fact) if kind == "smtp" else ""
    if not reason:
        reason = _fallback(fact, action, kind)
    if reason:
        return reason
    if says("vacation", text):
        return "vacation"
    return "onhold" if text.strip() else "undefined"


def _specific(status: str, diagnostic: str) -> str:
    """The status to classify by: a specific code the remote server itself replied wins (sisimai does
    the same), unless it contradicts the report's class (a 4.x.x reply in a permanent failure)."""
    found = ENHANCED.search(diagnostic)
    if found is None:
        return status
    code_class, subject, detail = found.groups()  # one call where each group() is another
    if code_class == "2" or subject == "0" or detail == "0":
        return status
    if status and code_class != status[:1]:
        return status
    return f"{code_class}.{subject}.{detail}"


def _fallback(fact: Fact, action: str, kind: str) -> str:
    """sisimai's `anotherone`: the wording, then the code's class, then what little is left.

    sisimai 5 reads the wording only when the code names no reason, a vague one (`RETRY`), or the
    diagnostic is not an SMTP reply (X-Unix, X-Postfix): an SMTP reply's specific code stands.
    """
    if fact.hint and fact.hint not in ("onhold", "undefined"):
        return fact.hint
    if fact.named and fact.named not in RETRY and kind == "smtp":
        return fact.named
    candidates = fact.candidates
    for reason in FALLBACK_WORDING:
        if reason in candidates and fact.says(reason):
            return reason
    if fact.named:
        return fact.named
    if fact.code[:3] in CLASS_REASONS:
        return CLASS_REASONS[fact.code[:3]]
    if kind.startswith("x-unix"):
        return "mailererror"
    if fact.reply in SYNTAX_REPLIES:
        return "syntaxerror"
    if action in ("delayed", "expired"):
        return "expired"
    if fact.command in (EHLO, HELO):
        return "blocked"
    return ""
