"""Trustwave MailMarshal SMTP: 'Undeliverable Mail: "<subject>"', the remote server's reply after "Could
not be delivered because of", then the recipients it concerns, each indented under "The following
recipients were affected:" (the reply comes before the addresses, so the prose reading misses it)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

BECAUSE: Final = "could not be delivered because of"
AFFECTED: Final = "the following recipients were affected:"
RECIPIENT: Final = re.compile(r"^\s{1,8}<?(" + ANY_ADDRESS + r")>?\s*$")


def sniff(notice: Notice) -> bool:
    """Its subject (also after a forwarder's "Fwd: "), with its sentence."""
    return 'undeliverable mail: "' in notice.lower_subject and BECAUSE in notice.intro


def read(notice: Notice) -> list[Finding]:
    """The reply between its two sentences, for every address listed after the second (each section
    its own reply)."""
    reply: list[str] = []
    found: list[Finding] = []
    place = ""  # "reply" between the two sentences, "list" after the second
    for line in notice.lines[:500]:
        lowered = line.strip().lower()
        if lowered == BECAUSE:
            place, reply = "reply", []
        elif lowered == AFFECTED:
            place = "list"
        elif place == "reply" and lowered:
            reply.append(line.strip())
        elif place == "list" and (match := RECIPIENT.match(line)):
            address = clean(match.group(1))
            if address and address not in notice.own_addresses:
                found.append(Finding(address, " ".join(reply)))
        elif place == "list" and lowered:
            break
    return found


FAMILY: Family = Family("mailmarshal", sniff, read)
