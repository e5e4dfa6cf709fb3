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
from domain.bounces.text import LineStarts

SUBJECT: Final = re.compile(
    r"^(?:undelivered mail returned to sender|delayed mail \(still being retried\)|postmaster (?:copy|notify):)"
    r"|smtp server: errors from "
)
# "This is the <name> Postfix program at host", "The Postfix on <os> program" (bounce(5) templates):
# the sentence anywhere, the signature as a line of its own (searched from line starts only, where
# a ^ in MULTILINE mode is tried at every character).
MARKER: Final = re.compile(r"this is the (?:mail system|(?:\w+ )?postfix program) at host")
MARKER_LINE: Final = LineStarts(r"\s*the (?:postfix )?mail system\s*$|\s*the (?:\w+ )?postfix (?:on \S+ )?program\s*$")


def sniff(notice: Notice) -> bool:
    """Postfix's subjects, or its opening line."""
    intro = notice.intro
    if SUBJECT.search(notice.lower_subject):
        return True
    if "mail system" not in intro and "postfix" not in intro:
        return False
    return MARKER.search(intro) is not None or MARKER_LINE.search(intro) is not None


def read(notice: Notice) -> list[Finding]:
    """`<recipient>: diagnostic` lines, each with the command it answers."""
    return [f.with_(command=command_in(f.diagnostic)) for f in scan(notice)]


FAMILY: Family = Family("postfix", sniff, read)
