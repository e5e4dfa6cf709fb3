"""Yahoo (and AOL, same platform): "Sorry, we were unable to deliver your message to the following
address." then `<rcpt>:` and "Remote host said: 550 ... [RCPT_TO]"."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER: Final = "sorry, we were unable to deliver your message to the following address"
STEP: Final = re.compile(r"\[(RCPT_TO|MAIL_FROM|DATA|CONNECT|EHLO|HELO)\]")
STEPS: Final = {
    "RCPT_TO": "RCPT",
    "MAIL_FROM": "MAIL",
    "DATA": "DATA",
    "CONNECT": "CONN",
    "EHLO": "EHLO",
    "HELO": "HELO",
}


def sniff(notice: Notice) -> bool:
    """Yahoo's sentence."""
    return MARKER in notice.intro


def refine(finding: Finding) -> Finding:
    """ "[RCPT_TO]" and the like name the SMTP step."""
    step = STEP.search(finding.diagnostic)
    return finding.with_(command=STEPS[step.group(1)]) if step else finding


def read(notice: Notice) -> list[Finding]:
    """`<recipient>:` paragraphs."""
    return [refine(f) for f in scan(notice)]


FAMILY: Family = Family("yahoo", sniff, read, refine)
