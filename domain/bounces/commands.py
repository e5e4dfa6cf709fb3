"""Which SMTP command the remote server refused, from the wording MTAs use to say so.

The command tells a filter after DATA (`filtered`) from an unknown user at RCPT (`userunknown`)
and a refused sender at MAIL (`rejected`) from a refused client at HELO (`blocked`). Phrasings:
Postfix "(in reply to RCPT TO command)", Exim "SMTP error from remote mail server after RCPT
TO:<...>", Sendmail ">>> DATA" transcripts, qmail "does not like recipient." / "failed on DATA
command" / "but sender was rejected." (qmail-remote.c), and the command names themselves.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.literals import alternation

CONN, HELO, EHLO, MAIL, RCPT, DATA = "CONN", "HELO", "EHLO", "MAIL", "RCPT", "DATA"
STARTTLS, AUTH = "STARTTLS", "AUTH"
BEFORE_DATA: Final = frozenset({CONN, HELO, EHLO, MAIL, RCPT})

_WORD: Final = {
    "rcpt": RCPT,
    "mail": MAIL,
    "data": DATA,
    "helo": HELO,
    "ehlo": EHLO,
    "lhlo": EHLO,
    "starttls": STARTTLS,
    "auth": AUTH,
    "bdat": DATA,
    "message": DATA,
}
_NAMED: Final = r"(rcpt|mail|data|helo|ehlo|lhlo|starttls|auth|bdat|message)\b"
# Phrasings that name the command (all matched on lower-cased text), each with the words without
# one of which it cannot match (a substring test is much cheaper than the pattern) and the command
# it names (None: the command word it captures).
SAID: tuple[tuple[tuple[str, ...], re.Pattern[str], str | None], ...] = (
    (
        ("reply to", "after", "sending", "response to"),
        re.compile(r"(?:in reply to|after|while sending|in response to|response to) (?:the )?(?:end of )?" + _NAMED),
        None,
    ),
    ((">>>", "smtp:"), re.compile(r"(?:>>> ?|smtp:)" + _NAMED), None),
    (("after",), re.compile(r"after (?:the )?(?:initial connection|connect(?:ing)?|greeting|banner)"), CONN),
    (("recipient", "rcpt to:"), re.compile(r"does not like recipient|recipient rejected|rcpt to: ?<"), RCPT),
    (("sender", "mail from:"), re.compile(r"but sender was rejected|sender rejected|mail from: ?<"), MAIL),
    (("data command", "sent the message"), re.compile(r"failed on data command|failed after i sent the message"), DATA),
    (("name was",), re.compile(r"but my name was rejected"), EHLO),
    (
        ("greeting failed", "connection refused", "refused to talk"),
        re.compile(r"but greeting failed|connection refused|refused to talk to me"),
        CONN,
    ),
)
ANY_CUE: Final = tuple(cue for cues, _, _ in SAID for cue in cues)  # none of them: no phrasing can match
# The cues in one pattern: one search instead of a substring search per cue (most diagnostics hold none).
SOME_CUE: Final = re.compile(alternation(ANY_CUE))
# sisimai's last resort: command names in capitals, the later in a session winning.
NAMES: Final = re.compile(r"(?<![A-Za-z0-9@.])(HELO|EHLO|STARTTLS|AUTH|MAIL FROM|RCPT TO|RCPT|DATA)(?![A-Za-z0-9@])")
NAME_CUES: Final = ("HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA")
SOME_NAME: Final = re.compile("|".join(NAME_CUES))  # without one of them NAMES cannot match
_ORDER: Final = {HELO: 0, EHLO: 1, STARTTLS: 2, AUTH: 3, MAIL: 4, RCPT: 5, DATA: 6}


def command_in(text: str) -> str | None:
    """The SMTP command a diagnostic says was refused, or None when it does not say."""
    if not text:
        return None
    lowered = text.lower()
    # The last phrase counts: a transcript ends at the refused command.
    last: tuple[int, str] | None = None  # (where, command); on a tie the earlier phrasing stays
    for cues, pattern, command in SAID if SOME_CUE.search(lowered) is not None else ():
        if not any(cue in lowered for cue in cues):  # a loop compiled, where map() calls a bound method
            continue
        match: re.Match[str] | None = None
        for found in pattern.finditer(lowered):
            match = found  # its last match
        if match is not None and (last is None or match.start() > last[0]):
            last = (match.start(), command or _WORD[match.group(1)])
    if last is not None:
        return last[1]
    if SOME_NAME.search(text) is None:
        return None
    named = [m.group(1).split(" ")[0] for m in NAMES.finditer(text)]
    if not named:
        return None
    return max(named, key=lambda name: _ORDER.get(name, -1))
