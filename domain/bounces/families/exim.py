"""Exim: "This message was created automatically by mail delivery software.", then each failed address
indented by two spaces and its error by four (exim/src/deliver.c), X-Failed-Recipients, often a report.
mail.ru, GMX and many hosting providers run Exim and keep this layout."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.commands import EHLO, HELO, MAIL, command_in
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.wording import Wording

MARKER: Final = re.compile(
    r"this message was created automatically by mail delivery software|"
    r"a message that you sent (?:could not be delivered|has not yet been delivered|was rejected by the local|"
    r"contained one or more recipient addresses)|"
    r"message \S+ (?:has been frozen|was frozen on arrival)|the \S+ router encountered the following error"
)
MARKER_PHRASES: Final = Wording.of((MARKER.pattern,))  # the same, each phrase run only when its words are there
SUBJECT: Final = re.compile(
    r"mail delivery failed|warning: message \S+ delayed|mail failure|message frozen|"
    r"error\(s\) in forwarding or filtering"
)
RECIPIENT: Final = re.compile(r"^ {1,4}(" + ANY_ADDRESS + r")(?:\s+<[^>]{1,300}>)?\s*(?::\s*(.*))?$")
UNDISCLOSED: Final = re.compile(r"^ {1,4}an undisclosed address\s*$")
# A local delivery that failed (deliver.c): "pipe to |command" or "save to /file", the address it
# was generated from on the next line. A pipe's line is its diagnostic (sisimai: a mailer error);
# a file's path is not (its words are a path's, not an error's).
LOCAL_DELIVERY: Final = re.compile(r"^ {1,4}((?:pipe to \||save to /)\S.{0,300})$")
GENERATED: Final = re.compile(r"^\s+\(?generated (?:from|by) (" + ANY_ADDRESS + r")\)?", re.IGNORECASE)
# exim/src: messages that settle the reason when no SMTP command is named (route.c, dnslookup.c,
# appendfile.c, smtp.c, parser.c, deliver.c, retry.c).
MESSAGES: Final = phrase_table(
    {
        "userunknown": ("user not found",),
        "hostunknown": (
            "all host address lookups failed permanently",
            "all relevant mx records point to non-existent hosts",
            "unrouteable address",
        ),
        "mailboxfull": ("mailbox is full", "error: quota exceed"),
        "notaccept": ("an mx or srv record indicated no smtp service", "no host found for existing smtp connection"),
        "syntaxerror": (
            "angle-brackets nested too deep",
            'expected word or "<"',
            "domain missing in source-routed address",
            "malformed address:",
        ),
        "systemerror": (
            "delivery to file forbidden",
            "delivery to pipe forbidden",
            "local delivery failed",
            "lmtp error after ",
        ),
        "contenterror": ('too many "received" headers',),
        "expired": (
            "retry timeout exceeded",
            "no action is required on your part",
            "retry time not reached for any host after a long failure period",
            "all hosts have been failing for a long time and were last tried",
            "delay reason: ",
            "has been frozen",
            "was frozen on arrival by ",
        ),
    }
)


def sniff(notice: Notice) -> bool:
    """Exim's opening sentence, or its subject with X-Failed-Recipients."""
    if MARKER_PHRASES.found_in(notice.intro):
        return True
    return bool(SUBJECT.search(notice.lower_subject)) and bool(notice.root.get("x-failed-recipients"))


def refine(finding: Finding) -> Finding:
    """The command Exim names ("SMTP error from remote mail server after RCPT TO:"), else its own messages."""
    command = finding.command or command_in(finding.diagnostic)
    if command in (EHLO, HELO):
        return finding.with_(command=command, hint="blocked")
    if command == MAIL:
        return finding.with_(command=command, hint="onhold")
    if command:
        return finding.with_(command=command)
    return finding.with_(hint=MESSAGES(finding.diagnostic))


def read(notice: Notice) -> list[Finding]:
    """Each two-space-indented address and the more-indented lines under it."""
    found: list[Finding] = []
    current: list[str] = []
    address: str | None = None
    started = False
    for line in notice.lines:
        if not started:
            started = bool(MARKER.search(line.lower())) or line.rstrip().endswith(":")
            continue
        match = RECIPIENT.match(line) if line.startswith(" ") else None
        local = LOCAL_DELIVERY.match(line) if match is None else None
        if match or local or UNDISCLOSED.match(line):
            _flush(found, address, current)
            address = clean(match.group(1)) if match else None
            current = [match.group(2)] if match and match.group(2) else _pipe(local)
            continue
        generated = GENERATED.match(line)
        if generated and address is None:
            address = clean(generated.group(1))
            continue
        if address is not None or current:
            if line.startswith("   ") and line.strip():
                current.append(line.strip())
            elif line.strip():
                _flush(found, address, current)
                address, current = None, []
    _flush(found, address, current)
    return [refine(f) for f in found]


def _pipe(local: re.Match[str] | None) -> list[str]:
    """A failed pipe's line as its diagnostic; nothing for a file delivery or no local delivery."""
    return [local.group(1)] if local and local.group(1).startswith("pipe") else []


def _flush(found: list[Finding], address: str | None, lines: list[str]) -> None:
    if address:
        found.append(Finding(address, " ".join(lines)))


FAMILY: Family = Family("exim", sniff, read, refine)
