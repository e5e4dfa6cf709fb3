"""Postfix: "This is the mail system at host ...", then `<rcpt>: host mx[ip] said: 550 ... (in reply to RCPT
TO command)` per recipient (bounce(5), http://www.postfix.org/bounce.5.html), usually with a report."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.commands import command_in
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

SUBJECT: Final = re.compile(
    r"^(?:undelivered mail returned to sender|delayed mail \(still being retried\)|postmaster (?:copy|notify):)"
    r"|smtp server: errors from "
)
# "This is the <name> Postfix program at host", "The Postfix on <os> program" (bounce(5) templates).
MARKER: Final = re.compile(
    r"this is the (?:mail system|(?:\w+ )?postfix program) at host|^\s*the (?:postfix )?mail system\s*$|"
    r"^\s*the (?:\w+ )?postfix (?:on \S+ )?program\s*$",
    re.M,
)


def sniff(notice: Notice) -> bool:
    """Postfix's subjects, or its opening line."""
    return bool(SUBJECT.search(notice.lower_subject)) or (
        ("mail system" in notice.intro or "postfix" in notice.intro) and bool(MARKER.search(notice.intro))
    )


def read(notice: Notice) -> list[Finding]:
    """`<recipient>: diagnostic` lines, each with the command it answers."""
    return [f.with_(command=command_in(f.diagnostic)) for f in scan(notice)]


FAMILY: Family = Family("postfix", sniff, read)
