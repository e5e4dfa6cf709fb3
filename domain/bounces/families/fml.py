"""fml, the mailing-list manager: a list refusing a post ("You are not a member of this mailing
list <list@example.org>.", a loop, a security alert), sent from `list-admin@` with X-MLServer and a
Message-ID like `<200504292334.FMLAAAA.list@example.org>`. The refused address is the list's, on a
line ending `<address>.`; the reason comes from the sentence, else from the subject."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import clean
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MESSAGE_ID: Final = re.compile(r"^<\d{1,20}\.fml[^@]{1,300}@[^>]{1,300}>$")
ADDRESSED: Final = re.compile(r"<([^ <>]+?@[^ <>]+?)>\.$")
# fml's own sentences and subjects, and the reason each means.
SENTENCES: Final = (
    ("rejected", re.compile(
        r"(?:ignored )*not member article from |reject (?:mail from .{1,200}@.{1,200}|"
        r"since .{1,200} header may cause mail loop|spammers:)|you are not a member of this mailing list"
    )),
    ("systemerror", re.compile(
        r"duplicated message-id|fml .{1,200} has detected a loop condition so that|loop back warning:"
    )),
    ("securityerror", re.compile(r"security alert:")),
)  # fmt: skip
SUBJECTS: Final = (
    ("rejected", re.compile(
        r"(?:ignored )*not member article from |reject mail (?:.{1,200}:|from) ,|spam mail from a spammer is rejected|"
        r"you .{1,200} are not member"
    )),
    ("systemerror", re.compile(
        r"fml system error message|loop alert: |loop back warning: |warning: unix from loop"
    )),
    ("securityerror", re.compile(r"security alert")),
)  # fmt: skip


def sniff(notice: Notice) -> bool:
    """X-MLServer, a `-admin@` sender and fml's Message-ID."""
    root = notice.root
    return (
        "x-mlserver" in root.fields  # absent reads as ''; looked for first, it costs no reading
        and bool(root.get("x-mlserver"))
        and "-admin@" in notice.lower_from
        and bool(MESSAGE_ID.match(root.get("message-id").strip().lower()))
    )


def read(notice: Notice) -> list[Finding]:
    """Each line ending `<address>.` and the lines after it, with the reason its words or the subject give."""
    found: list[Finding] = []
    for line in notice.lines[:400]:
        stripped = line.strip()
        if not stripped:
            continue
        match = ADDRESSED.search(stripped)
        address = clean(match.group(1)) if match else None
        if address:
            found.append(Finding(address, stripped))
        elif found:
            found[-1] = found[-1].with_(diagnostic=f"{found[-1].diagnostic} {stripped}"[:1000])
    subject = notice.lower_subject
    result = []
    for finding in found:
        text = finding.diagnostic.lower()
        hint = next((r for r, p in SENTENCES if p.search(text)), None)
        hint = hint or next((r for r, p in SUBJECTS if p.search(subject)), None)
        result.append(finding.with_(hint=hint))
    return result


FAMILY: Family = Family("fml", sniff, read)
