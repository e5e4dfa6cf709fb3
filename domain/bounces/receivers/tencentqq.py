"""Tencent QQ Mail (qq.com, answered by hosts under qq.com): its replies state the error in fixed
English phrases, each documented on a page of service.mail.qq.com/detail/122 (sisimai 5's Tencent
table; 4.x's TencentQQ one filed SPF/DMARC failures as blocked and a refused connection as a rate).

Deliberate differences from sisimai 5's table: its "mailbox unavailable or access denied" entry is
misspelt there and never matches; QQ documents it as a sending-frequency limit, so it is `speeding`
here. Its spam-content entry is filed under a misspelt reason name; here it is `spamdetected`.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider, phrase_reason

# The first entry whose phrase the reply holds wins: "suspected spam ip" before "suspected spam".
MESSAGES: Final = (
    ("authfailure", ("dmarc check failed", "spf check failed")),
    ("blocked", ("suspected spam ip", "suspected bounce attacks", "connection denied")),
    ("mesgtoobig", ("message too large",)),
    ("rejected", ("suspected spam", "mail is rejected by recipients")),
    ("spamdetected", ("mail content denied", "spam is embedded in the email")),
    ("speeding", ("mailbox unavailable or access denied",)),
    ("suspend", ("is a deactivated mailbox",)),
    ("syntaxerror", ("bad address syntax",)),
    ("toomanyconn", ("connection frequency limited", "domain frequency limited", "ip frequency limited",
                     "sender frequency limited")),
    ("userunknown", ("mailbox not found",)),
)  # fmt: skip


reason = phrase_reason(MESSAGES)
"""The reason QQ's phrase names, or ''."""


PROVIDER: Provider = Provider(
    "tencentqq",
    hosts=re.compile(r"(?:^|\.)qq\.com$"),
    domains=re.compile(r"^(?:vip\.)?qq\.com$"),
    reason=reason,
)
