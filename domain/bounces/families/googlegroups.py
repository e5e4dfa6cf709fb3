"""Google Groups: a post to a group that does not exist or does not accept the sender comes back from
Google's mailer-daemon with the group in X-Failed-Recipients ("you may not have permission to post
messages to the group"): the sender was refused, so the reason is `rejected` when the notice says so
(that sentence, or its four-item list of why a post fails, which sisimai 5 requires); a notice that
says neither is Gmail's ordinary report about a group address, and Google's own reply (an unknown
account, a full mailbox) decides."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

GROUP: Final = re.compile(r"@googlegroups\.com\b|google groups|groups\.google\.com")
BULLET: Final = re.compile(r"^ ?\* ?", re.M)
ORIGINAL: Final = "----- original message -----"
EXPLANATIONS: Final = 4  # the group may not exist, was removed, needs joining, or is closed to posting
REFUSED: Final = "not have permission to post messages to the group"


def sniff(notice: Notice) -> bool:
    """Google's mailer-daemon reporting a group (X-Failed-Recipients, X-Google-Smtp-Source)."""
    if "googlemail.com" not in notice.lower_from or not notice.failed_header:
        return False
    return any(a.endswith("@googlegroups.com") for a in notice.failed_header) or bool(GROUP.search(notice.intro))


def read(notice: Notice) -> list[Finding]:
    """Each failed group address: refused for this sender when the notice explains a post's refusal."""
    body = notice.body
    cut = body.lower().find(ORIGINAL)
    report = body if cut < 0 else body[:cut]
    refused = len(BULLET.findall(report)) == EXPLANATIONS or REFUSED in " ".join(report.lower().split())
    hint = "rejected" if refused else "onhold"
    paragraphs = [p for p in body.split("\n\n") if p.strip()][:4]
    diagnostic = " ".join(" ".join(paragraphs).split())[:1000]
    return [Finding(address, diagnostic, hint=hint) for address in notice.failed_header]


FAMILY: Family = Family(
    "googlegroups", sniff, read, lambda finding: finding.with_(hint=finding.hint or "rejected"), completes_report=True
)
