"""Symantec.cloud (MessageLabs): "Mail Delivery Failure" from MAILER-DAEMON@messagelabs.com with an
X-Msg-Ref header and an RFC 3464 report; its diagnostics' own wording settles the reason."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family, read_nothing
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

MESSAGES: Final = (
    ("userunknown", re.compile(r"542 .{1,300} rejected|no such user")),
    ("securityerror", re.compile(r"please turn on smtp authentication in your mail client")),
)


def sniff(notice: Notice) -> bool:
    """X-Msg-Ref, MessageLabs' mailer-daemon and its subject."""
    return (
        "x-msg-ref" in notice.root.fields  # absent reads as ''; looked for first, it costs no reading
        and bool(notice.root.get("x-msg-ref"))
        and "mailer-daemon@messagelabs.com" in notice.lower_from
        and notice.subject.startswith("Mail Delivery Failure")
    )


def refine(finding: Finding) -> Finding:
    """MessageLabs' wording for an unknown user or a missing authentication."""
    text = finding.diagnostic.lower()
    hint = next((reason for reason, pattern in MESSAGES if pattern.search(text)), None)
    return finding.with_(hint=hint) if hint else finding


FAMILY: Family = Family("messagelabs", sniff, read_nothing, refine)
