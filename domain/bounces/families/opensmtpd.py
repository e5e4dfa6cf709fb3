"""OpenSMTPD: "This is the MAILER-DAEMON, please DO NOT REPLY to this email." then "An error has
occurred while attempting to deliver a message for the following list of recipients:" and one
`rcpt: reply` line each (smtpd/bounce.c)."""

from __future__ import annotations

import re

from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.prose import scan

MARKER = re.compile(
    r"this is the mailer-daemon, please do not reply to this e-?mail|"
    r"an error has occurred while attempting to deliver a message for"
)


def sniff(notice: Notice) -> bool:
    """OpenSMTPD's opening."""
    return "mailer-daemon" in notice.intro and bool(MARKER.search(notice.intro))


def read(notice: Notice) -> list[Finding]:
    """`recipient: reply` lines."""
    return scan(notice)


FAMILY = Family("opensmtpd", sniff, read)
