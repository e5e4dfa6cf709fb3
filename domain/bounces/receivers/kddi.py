"""KDDI (au, ezweb): its servers answer an unknown mailbox in two ways, and only the one naming
the address means the mailbox does not exist; the other is its domain filter refusing the sender
(sisimai's KDDI table, "550 : User unknown" and "550 <address>: User unknown")."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider

MESSAGES: Final = (
    ("filtered", "550 : user unknown"),  # no address: the recipient's filter refused the sender
    ("userunknown", ">: user unknown"),  # the address named: no such mailbox
)


def reason(diagnostic: str, status: str) -> str:
    """The reason KDDI's wording gives, or ''."""
    return next((name for name, phrase in MESSAGES if phrase in diagnostic), "")


PROVIDER: Provider = Provider(
    "kddi",
    hosts=re.compile(r"\.(?:ezweb\.ne\.jp|au\.com)$"),
    domains=re.compile(r"^(?:ezweb\.ne\.jp|au\.com)$"),
    reason=reason,
)
