"""Yahoo Inc. (Yahoo Mail and AOL Mail, answered by hosts under yahoodns.net): the replies its
"SMTP error codes" page documents (senders.yahooinc.com/smtp-error-codes), as sisimai 5's YahooInc
table files them. A Yahoo reply carries a bracketed code ([TSS04], [BL23], [PH01]) and a sentence;
the sentence is what is read here.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider, phrase_reason

# The first entry whose phrase the reply holds wins.
MESSAGES: Final = (
    ("authfailure", ("yahoo requires all senders to authenticate with either spf or dkim",)),
    ("badreputation", ("temporarily deferred due to unexpected volume or user complaints",)),
    ("blocked", (" because the ip is in spamhaus's list;", "not accepted from ip addresses on spamhaus xbl")),
    ("norelaying", ("relaying denied for ",)),
    ("notcompliantrfc", ("headers are not rfc compliant",)),
    ("policyviolation", ("not accepted for policy reasons",)),
    ("rejected", (" will be permanently deferred",)),
    ("speeding", ("user is receiving mail too quickly",)),
    ("suspend", (" is no longer valid.", "this mailbox is disabled")),
    ("syntaxerror", ("syntax error in parameters or arguments",)),
    ("toomanyconn", ("max message per connection reached",)),
    ("userunknown", ("dd this user doesn't have a ", "mailbox not found")),
)  # fmt: skip


reason = phrase_reason(MESSAGES)
"""The reason Yahoo's documented reply names, or ''."""


PROVIDER: Provider = Provider(
    "yahooinc",
    hosts=re.compile(r"\.yahoodns\.net$"),
    domains=re.compile(
        r"^(?:yahoo\.(?:com|co\.jp|co\.uk|fr|de|it|es|ca|com\.au|com\.br)|ymail\.com|rocketmail\.com|aol\.com)$"
    ),
    reason=reason,
)
