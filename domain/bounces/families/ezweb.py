"""au by KDDI (EZweb, ezweb.ne.jp / au.com): "Mail System Error - Returned Mail" from
Postmaster@ezweb.ne.jp, each recipient as `<rcpt>` on its own line, then a sentence saying why.
X-SPASIGN: NG marks mail the recipient's own domain filter refused; a `>>> RCPT` transcript line
an unknown user; else its sentences name the reason (au's mail-system notices)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

SENDER: Final = re.compile(r"postmaster@(?:ezweb\.ne\.jp|au\.com)")
MESSAGES: Final = (
    ("mailboxfull", re.compile(r"the user\(s\) account is temporarily over quota")),
    ("suspend", re.compile(r"the user\(s\) account is (?:disabled|temporarily limited)\.")),
    ("expired", re.compile(r"your message was not delivered within ")),
    ("onhold", re.compile(r"each of the following recipients was rejected by a remote mail server")),
)
RCPT_SENT: Final = re.compile(r"^\s+>>>\s+rcpt", re.MULTILINE)


def sniff(notice: Notice) -> bool:
    """Two of: au's postmaster, its subject, its Received lines, its Message-ID."""
    signs = (
        bool(SENDER.search(notice.lower_from))
        + (notice.subject.strip() == "Mail System Error - Returned Mail")
        + notice.root.get("message-id").lower().endswith((".ezweb.ne.jp>", ".au.com>"))
    )
    if signs != 1:
        return signs >= 2  # the Received lines are read only when they can decide
    received = notice.received
    return "ezweb.ne.jp (ezweb mail) with" in received or ".au.com (" in received


def read(notice: Notice) -> list[Finding]:
    """The `<rcpt>` lines; the reason from X-SPASIGN, the transcript or au's sentences."""
    filtered = notice.root.get("x-spasign").strip().upper() == "NG"
    found = []
    for finding in scan(notice):
        text = finding.diagnostic.lower() + " " + notice.lower_body[:4000]
        if filtered:
            hint: str | None = "filtered"
        elif RCPT_SENT.search(notice.lower_body):
            hint = "userunknown"
        else:
            hint = next((reason for reason, pattern in MESSAGES if pattern.search(text)), None)
        found.append(finding.with_(hint=hint))
    return found


FAMILY: Family = Family("ezweb", sniff, read)
