"""Google Groups: a post to a group that does not exist or does not accept the sender comes back from
Google's mailer-daemon with the group in X-Failed-Recipients ("you may not have permission to post
messages to the group"): the sender was refused, so the reason is `rejected`."""

from __future__ import annotations

import re

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

GROUP = re.compile(r"@googlegroups\.com\b|google groups|groups\.google\.com")


def sniff(notice: Notice) -> bool:
    """Google's mailer-daemon reporting a group (X-Failed-Recipients, X-Google-Smtp-Source)."""
    if "googlemail.com" not in notice.root.get("from").lower() or not notice.failed_header:
        return False
    return any(a.endswith("@googlegroups.com") for a in notice.failed_header) or bool(GROUP.search(notice.intro))


def read(notice: Notice) -> list[Finding]:
    """Each failed group address, refused for this sender."""
    paragraphs = [p for p in notice.body.split("\n\n") if p.strip()][:4]
    diagnostic = " ".join(" ".join(paragraphs).split())[:1000]
    return [Finding(address, diagnostic, hint="rejected") for address in notice.failed_header]


FAMILY = Family("googlegroups", sniff, read, lambda finding: finding.with_(hint=finding.hint or "rejected"))
