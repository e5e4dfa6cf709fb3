"""NTT DOCOMO (docomo.ne.jp, answered by mfsmax.docomo.ne.jp): its replies say little, so the status
and the refused command settle the reason (sisimai's NTTDOCOMO table): 5.1.1 an unknown user, 5.2.0
its filter, a bare 5.0.0 an unknown user at RCPT and a refusal after DATA; two of its 552 replies
and the 503/504 syntax replies name their own reason."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.commands import DATA, RCPT, command_in
from domain.bounces.receivers.provider import Provider

STATUSES: Final = {"5.1.1": "userunknown", "5.2.0": "filtered"}
MESSAGES: Final = (
    ("mailboxfull", ("552 too much mail data",)),
    ("toomanyconn", ("552 too many recipients",)),
    ("syntaxerror", ("503 bad sequence of commands", "504 command parameter not implemented")),
)
BY_COMMAND: Final = {RCPT: "userunknown", DATA: "rejected"}


def reason(diagnostic: str, status: str) -> str:
    """The reason DOCOMO's status, reply or refused command gives, or ''."""
    if status in STATUSES:
        return STATUSES[status]
    said = next((name for name, phrases in MESSAGES if any(p in diagnostic for p in phrases)), "")
    if said or status != "5.0.0":
        return said
    command = command_in(diagnostic)
    return BY_COMMAND.get(command, "") if command else ""


PROVIDER: Provider = Provider(
    "nttdocomo",
    hosts=re.compile(r"mfsmax\.docomo\.ne\.jp$"),
    domains=re.compile(r"^docomo\.ne\.jp$"),
    reason=reason,
)
