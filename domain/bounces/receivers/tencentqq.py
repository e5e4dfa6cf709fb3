"""Tencent QQ Mail (qq.com, answered by mxN.qq.com): its replies state the error in fixed English
phrases (sisimai's TencentQQ table)."""

from __future__ import annotations

import re

from domain.bounces.receivers.provider import Provider

MESSAGES = (
    ("blocked", ("dmarc check failed", "spf check failed", "suspected spam ip")),
    ("filtered", ("mail is rejected by recipients",)),
    ("mesgtoobig", ("message too large",)),
    ("spamdetected", ("mail content denied", "spam is embedded in the email", "suspected spam")),
    ("syntaxerror", ("bad address syntax",)),
    ("toomanyconn", ("connection denied", "connection frequency limited", "domain frequency limited",
                     "ip frequency limited", "sender frequency limited", "mailbox unavailable or access denied")),
    ("userunknown", ("mailbox not found",)),
)  # fmt: skip


def reason(diagnostic: str, status: str) -> str:
    """The reason QQ's phrase names, or ''."""
    return next((name for name, phrases in MESSAGES if any(p in diagnostic for p in phrases)), "")


PROVIDER = Provider(
    "tencentqq",
    hosts=re.compile(r"(?:^|\.)mx\d+\.qq\.com$"),
    domains=re.compile(r"^(?:vip\.)?qq\.com$"),
    reason=reason,
)
