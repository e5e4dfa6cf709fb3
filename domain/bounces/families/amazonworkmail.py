"""Amazon WorkMail: sent through SES (X-SES-Outgoing) with X-Mailer or X-Original-Mailer "Amazon
WorkMail", an RFC 3464 report after "Technical report:". Its Status is often only 5.1.0 or 5.0.0 with
the remote server's own code quoted in the diagnostic ("5.1.0 - Unknown address error 550-'5.1.1
<rcpt>... '"): that code is the status."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family, read_nothing
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

VAGUE: Final = re.compile(r"[45]\.[01]\.0$")
QUOTED: Final = re.compile(r"[\"'](\d\.\d{1,3}\.\d{1,3})\s")


def sniff(notice: Notice) -> bool:
    """SES's outgoing header with WorkMail's name as the mailer."""
    if "x-ses-outgoing" not in notice.root.fields:
        return False
    mailer = notice.root.get("x-original-mailer") or notice.root.get("x-mailer")
    return mailer.strip() == "Amazon WorkMail"


def refine(finding: Finding) -> Finding:
    """The quoted code of the remote server's reply replaces a vague status of the same class."""
    if not finding.status or not VAGUE.match(finding.status):
        return finding
    quoted = QUOTED.search(finding.diagnostic)
    if quoted is None or quoted.group(1)[0] != finding.status[0]:
        return finding
    return finding.with_(status=quoted.group(1))


FAMILY: Family = Family("amazonworkmail", sniff, read_nothing, refine)
