"""McAfee Email Gateway (formerly Secure Computing): X-NAI-Header "Modified by McAfee ...", subject
"Delivery Status", `<rcpt>   (reason)` under "--- The following addresses had delivery problems ---",
then a report. Its own wordings for a recipient the remote server does not know settle the reason."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family, read_nothing
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

UNKNOWN: Final = re.compile(
    r" user \([^)\s]{1,200}@[^)\s]{1,200}\) unknown\. |550 unknown user \S{1,200}@\S|"
    r"550 <[^>\s]{1,200}@[^>\s]{1,200}>\.+ user not exist|no such user"
)


def sniff(notice: Notice) -> bool:
    """McAfee's header with its subject."""
    return (
        "x-nai-header" in notice.root.fields  # absent reads as ''; looked for first, it costs no reading
        and "modified by mcafee" in notice.root.get("x-nai-header").lower()
        and notice.subject.strip() == "Delivery Status"
    )


def refine(finding: Finding) -> Finding:
    """McAfee's unknown-user wordings."""
    return finding.with_(hint="userunknown") if UNKNOWN.search(finding.diagnostic.lower()) else finding


FAMILY: Family = Family("mcafee", sniff, read_nothing, refine)
