"""GMX and WEB.DE (1&1): Exim's introduction, but each failed address quoted on its own line
(`"rcpt":`) and "SMTP error from remote server after RCPT command:" below it."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.commands import command_in
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

SENDER: Final = re.compile(r"@(?:gmx\.[a-z.]{2,6}|web\.de|1und1\.de|ionos\.[a-z.]{2,6})\b", re.IGNORECASE)
QUOTED: Final = re.compile(r'^\s*"(' + ANY_ADDRESS + r')":?\s*$')


def sniff(notice: Notice) -> bool:
    """From GMX's or WEB.DE's mailer-daemon, with quoted addresses."""
    return bool(SENDER.search(notice.root.get("from"))) and any(QUOTED.match(line) for line in notice.lines[:200])


def read(notice: Notice) -> list[Finding]:
    """Each quoted address and the lines under it up to a blank one."""
    found: list[Finding] = []
    address = None
    lines: list[str] = []
    for line in notice.lines:
        match = QUOTED.match(line)
        if match:
            if address:
                found.append(Finding(address, " ".join(lines)))
            address, lines = clean(match.group(1)), []
        elif address and line.strip():
            lines.append(line.strip())
        elif address and lines:
            found.append(Finding(address, " ".join(lines)))
            address, lines = None, []
    if address:
        found.append(Finding(address, " ".join(lines)))
    return [f.with_(command=command_in(f.diagnostic)) for f in found]


FAMILY: Family = Family("gmx", sniff, read)
