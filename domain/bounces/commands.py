"""Which SMTP command the remote server refused, from the wording MTAs use to say so.

The command tells a filter after DATA (`filtered`) from an unknown user at RCPT (`userunknown`)
and a refused sender at MAIL (`rejected`) from a refused client at HELO (`blocked`). Phrasings:
Postfix "(in reply to RCPT TO command)", Exim "SMTP error from remote mail server after RCPT
TO:<...>", Sendmail ">>> DATA" transcripts, qmail "does not like recipient." / "failed on DATA
command" / "but sender was rejected." (qmail-remote.c), and the command names themselves.
"""

from __future__ import annotations

import re

CONN, HELO, EHLO, MAIL, RCPT, DATA = "CONN", "HELO", "EHLO", "MAIL", "RCPT", "DATA"
STARTTLS, AUTH = "STARTTLS", "AUTH"
BEFORE_DATA = frozenset({CONN, HELO, EHLO, MAIL, RCPT})

_WORD = {
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
# Phrasings that name the command, most specific first (all matched on lower-cased text).
SAID = re.compile(
    r"(?:in reply to|after|while sending|in response to|response to) (?:the )?(?:end of )?"
    r"(rcpt|mail|data|helo|ehlo|lhlo|starttls|auth|bdat|message)\b"
    r"|(?:>>> ?|smtp:)(rcpt|mail|data|helo|ehlo|lhlo|starttls|auth|bdat)\b"
    r"|after (?:the )?(initial connection|connect(?:ing)?|greeting|banner)"
    r"|(does not like recipient|recipient rejected|rcpt to: ?<)"
    r"|(but sender was rejected|sender rejected|mail from: ?<)"
    r"|(failed on data command|failed after i sent the message)"
    r"|(but my name was rejected)"
    r"|(but greeting failed|connection refused|refused to talk to me)"
)
_GROUPS = (None, None, CONN, RCPT, MAIL, DATA, EHLO, CONN)
# Words without one of which SAID cannot match (checked first: a substring test is much cheaper).
CUES = (
    "reply",
    "after",
    "sending",
    "response",
    ">>>",
    "smtp:",
    "recipient",
    "rcpt",
    "sender",
    "mail from",
    "data command",
    "sent the message",
    "name was",
    "greeting",
    "connection refused",
    "refused to talk",
)
# sisimai's last resort: command names in capitals, the later in a session winning.
NAMES = re.compile(r"(?<![A-Za-z0-9@.])(HELO|EHLO|STARTTLS|AUTH|MAIL FROM|RCPT TO|RCPT|DATA)(?![A-Za-z0-9@])")
NAME_CUES = ("HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA")
_ORDER = {HELO: 0, EHLO: 1, STARTTLS: 2, AUTH: 3, MAIL: 4, RCPT: 5, DATA: 6}


def command_in(text: str) -> str | None:
    """The SMTP command a diagnostic says was refused, or None when it does not say."""
    if not text:
        return None
    lowered = text.lower()
    said = SAID.findall(lowered) if any(map(lowered.__contains__, CUES)) else []
    # The last one counts: a transcript ends at the refused command.
    if said:
        groups = said[-1]
        for index, value in enumerate(groups):
            if not value:
                continue
            if index < 2:
                return _WORD[value]
            return _GROUPS[index]
    if not any(map(text.__contains__, NAME_CUES)):
        return None
    named = [m.group(1).split(" ")[0] for m in NAMES.finditer(text)]
    if not named:
        return None
    return max(named, key=lambda name: _ORDER.get(name, -1))
