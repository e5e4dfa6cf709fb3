"""Lotus Notes (before Domino's wording): "------- Failure Reasons --------", each reason line followed
by the address it concerns (a line of its own, beginning with it), up to "------- Returned Message --------"."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean, find_addresses
from domain.bounces.family import Family, phrase_table, section
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

# Notes' own sentences (in English and in Japanese, "not in the directory list").
MESSAGES: Final = phrase_table(
    {
        "userunknown": (
            "user not listed in public name & address book",
            "\u30c7\u30a3\u30ec\u30af\u30c8\u30ea\u306e\u30ea\u30b9\u30c8\u306b\u3042\u308a\u307e\u305b\u3093",
        ),
        "networkerror": ("message has exceeded maximum hop count",),
    }
)
ADDRESS_FIRST: Final = re.compile(r"\s{0,8}[<\"]?" + ANY_ADDRESS)
START: Final = re.compile(r"^-+ *failure reasons *-+", re.IGNORECASE | re.MULTILINE)
END: Final = re.compile(r"^-+ *returned message *-+", re.IGNORECASE | re.MULTILINE)


def sniff(notice: Notice) -> bool:
    """Notes' section marker."""
    return "failure reasons" in notice.intro and bool(START.search(notice.intro))


def read(notice: Notice) -> list[Finding]:
    """Each address with the reason line(s) before it."""
    found: list[Finding] = []
    reason = ""
    pending: list[str] = []
    for line in section(notice.lines, START, END):
        # an address line begins with an address; a reason line may quote one ("550 5.1.1 <a@b>: ...")
        starts = ADDRESS_FIRST.match(line) is not None
        addresses = [a for a in (clean(x) for x in find_addresses(line)) if a] if starts else []
        if addresses:
            reason, pending = (" ".join(pending), []) if pending else (reason, pending)
            found.extend(Finding(a, reason, hint=MESSAGES(reason)) for a in addresses)
        elif line.strip():
            pending.append(line.strip())
    return found


FAMILY: Family = Family("notes", sniff, read)
