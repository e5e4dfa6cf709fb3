"""Apple iCloud Mail (icloud.com, me.com, mac.com; answered by hosts under mail.icloud.com, apple.com
or me.com): the replies Apple's postmaster page documents (support.apple.com/en-us/102322), as
sisimai 5's Apple table files them.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider, phrase_reason

# The first entry whose phrase the reply holds wins.
MESSAGES: Final = (
    ("authfailure", ("s dmarc policy", "blocked for failing both spf and dkim")),
    ("blocked", ("rejected due to having a domain present in the spamhaus", "rejected due to listing in spamhaus",
                 "blocked - see https://support.proofpoint.com/dnsbl-lookup", "not accepting connections")),
    ("hasmoved", ("recipient no longer on server",)),
    ("mailboxfull", ("user is over quota",)),
    ("norelaying", ("relay access denied",)),
    ("notaccept", ("host/domain does not accept mail",)),
    ("policyviolation", ("due to local policy",)),
    ("rejected", ("sender address rejected",)),
    ("speeding", ("due to excessive volume",)),
    ("userunknown", ("inactive email address", "user does not exist", "unknown or illegal alias")),
)  # fmt: skip


reason = phrase_reason(MESSAGES)
"""The reason Apple's documented reply names, or ''."""


PROVIDER: Provider = Provider(
    "apple",
    hosts=re.compile(r"\.mail\.icloud\.com$|(?:^|\.)(?:apple|me)\.com$"),
    domains=re.compile(r"^(?:icloud|me|mac)\.com$"),
    reason=reason,
)
