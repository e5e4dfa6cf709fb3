"""Sendmail: "Returned mail: see transcript for details", the failed addresses, then the SMTP transcript
(`... while talking to host:`, `>>> RCPT To:<rcpt>`, `<<< 550 5.1.1 ...`; sendmail/savemail.c)."""

from __future__ import annotations

import re

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

SUBJECT = re.compile(r"see transcript for details\s*$|^\s*warning: could not send message", re.IGNORECASE)
MARKER = re.compile(
    r"-{3,} ?(?:the following addresses had (?:permanent fatal errors|transient non-fatal errors)|"
    r"transcript of session follows)",
    re.IGNORECASE,
)
SENT = re.compile(r"^>>> ?([A-Za-z]{4})")
RECEIVED = re.compile(r"^<<< ?(.+)$")


def sniff(notice: Notice) -> bool:
    """Sendmail's subject, or its section markers."""
    return bool(SUBJECT.search(notice.subject)) or ("-----" in notice.intro and bool(MARKER.search(notice.intro)))


def read(notice: Notice) -> list[Finding]:
    """Failed addresses, their diagnostic replaced by the transcript's replies when those say more."""
    command, replies = _transcript(notice.lines)
    found = []
    for finding in scan(notice):
        diagnostic = finding.diagnostic
        if replies and len(replies) > len(diagnostic):
            diagnostic = replies
        found.append(finding.with_(diagnostic=diagnostic, command=command or ("EHLO" if replies else None)))
    return found


def _transcript(lines: list[str]) -> tuple[str | None, str]:
    """The last command sent (`>>> DATA`) and the replies received (`<<< 550 ...`) in the transcript."""
    command = None
    replies: list[str] = []
    for line in lines:
        sent = SENT.match(line)
        if sent:
            command = sent.group(1).upper()
            continue
        received = RECEIVED.match(line)
        if received and received.group(1) not in replies:
            replies.append(received.group(1).strip())
    return command, " ".join(replies)


FAMILY = Family("sendmail", sniff, read)
