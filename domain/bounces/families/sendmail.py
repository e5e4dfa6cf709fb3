"""Sendmail: "Returned mail: see transcript for details", the failed addresses, then the SMTP transcript
(`... while talking to host:`, `>>> RCPT To:<rcpt>`, `<<< 550 5.1.1 ...`; sendmail/savemail.c)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from domain.bounces.addresses import clean, find_addresses
from domain.bounces.codes import ENHANCED
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

SUBJECT: Final = re.compile(r"see transcript for details\s*$|^\s*warning: could not send message")
MARKER: Final = re.compile(
    r"-{3,} ?(?:the following addresses had (?:permanent fatal errors|transient non-fatal errors)|"
    r"transcript of session follows)"
)
# Text every MARKER match holds: without one the pattern need not try each run of dashes.
MARKER_WORDS: Final = ("the following addresses had ", "transcript of session follows")
SENT: Final = re.compile(r"^>>> ?([A-Za-z]{4})")
RECEIVED: Final = re.compile(r"^<<< ?(.+)$")
TALKING: Final = re.compile(r"^\.\.\. while talking to ", re.IGNORECASE)
# Sendmail's own error line for one address in the transcript: `550 5.1.2 <a@b>... Host unknown (...)`.
LISTED_REASON: Final = re.compile(r"\(reason: [245]\d\d[ -]([^()]{3,200})\)")
ERROR_LINE: Final = re.compile(r"^[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?<?([^<>\s]{1,254}@[^<>\s]{1,254}?)>?\.\.\. ")


def sniff(notice: Notice) -> bool:
    """Sendmail's subject, or its section markers."""
    intro = notice.intro
    if SUBJECT.search(notice.lower_subject):
        return True
    return "-----" in intro and any(words in intro for words in MARKER_WORDS) and bool(MARKER.search(intro))


def read(notice: Notice) -> list[Finding]:
    """Failed addresses; each one's transcript block, when it has one, gives the command and the reply."""
    blocks = _transcript(notice.lines)
    found = []
    for finding in scan(notice):
        block = next((b for b in blocks if finding.email in b.addresses), None)
        if block is None and len(blocks) == 1 and not blocks[0].addresses:
            block = blocks[0]
        if block is None:
            found.append(finding)
            continue
        diagnostic = block.replies if len(block.replies) > len(finding.diagnostic) else finding.diagnostic
        diagnostic = _stated_more_precisely(diagnostic, block.errors.get(finding.email, ""))
        command = block.command or ("EHLO" if block.replies else None)
        found.append(finding.with_(diagnostic=diagnostic, command=command))
    return found


def _stated_more_precisely(listed: str, own_line: str) -> str:
    """The transcript's own error line for an address when it states the listed reason with a status code.

    Sendmail lists `(reason: 550 Host unknown)` and its transcript says `550 5.1.2 <a>... Host unknown`;
    an own line saying something else (`... User unknown` after a `553 SPF fail` at DATA) is not the
    same reply and leaves the listed one.
    """
    reason = LISTED_REASON.search(listed)
    if not own_line or reason is None or ENHANCED.search(listed) is not None or ENHANCED.search(own_line) is None:
        return listed
    return own_line if reason.group(1).strip().lower() in own_line.lower() else listed


@dataclass
class _Block:
    """One `... while talking to host:` part of the transcript."""

    addresses: set[str] = field(default_factory=set)
    command: str | None = None
    replies: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # address -> Sendmail's own error line for it


def _transcript(lines: list[str]) -> list[_Block]:
    """The transcript's blocks: the last command sent (`>>> DATA`), the replies (`<<< 550 ...`)."""
    blocks: list[_Block] = []
    started = False
    for line in lines:
        if not started:
            started = "transcript of session follows" in line.lower()
            continue
        if TALKING.match(line) or not blocks:
            blocks.append(_Block())
        block = blocks[-1]
        block.addresses.update(a for a in (clean(x) for x in find_addresses(line)) if a)
        error = ERROR_LINE.match(line)
        address = clean(error.group(1)) if error else None
        if address:
            block.errors.setdefault(address, line.strip())
        sent = SENT.match(line)
        received = RECEIVED.match(line)
        if sent:
            block.command = sent.group(1).upper()
        elif received and received.group(1).strip() not in block.replies:
            block.replies = f"{block.replies} {received.group(1).strip()}".strip()
    return [b for b in blocks if b.addresses or b.replies or b.command or b.errors]


FAMILY: Family = Family("sendmail", sniff, read)
