"""What each bounce reason means for the address: its permanence and whose problem it is (scope).

Reasons use sisimai's vocabulary; their meanings are sisimai's published reason definitions
(https://libsisimai.org/en/reason/, Sisimai::Reason::*) read against RFC 3463's subject codes
(X.1 addressing, X.2 mailbox, X.3 mail system, X.4 network, X.5 protocol, X.6 content,
X.7 security or policy). Mailtrail suppresses an address only for HARD + ADDRESS, so HARD is kept
for the reasons sisimai itself counts as hard bounces, and only when the report is permanent.

| reason          | permanence (when permanent)  | scope     | meaning (source)                                      |
|-----------------|------------------------------|-----------|-------------------------------------------------------|
| userunknown     | hard                         | address   | local part does not exist (X.1.1, X.1.3)               |
| hostunknown     | hard                         | address   | domain does not exist (X.1.2, X.4.4 permanent)         |
| hasmoved        | hard                         | address   | mailbox moved, no forwarding (X.1.6)                   |
| notaccept       | hard (5.x.x) / soft          | address   | domain accepts no mail, null MX (X.1.10, RFC 7505);    |
|                 |                              |           | X.7.27 is the *sender's* null MX: scope sender, soft   |
| suspend         | soft                         | address   | mailbox disabled or suspended (X.2.1, X.7.13)          |
| mailboxfull     | soft                         | transient | mailbox over quota (X.2.2)                             |
| blocked         | soft                         | sender    | client IP or host refused, blocklists (X.7.1 at CONN)  |
| rejected        | soft                         | sender    | envelope sender refused (X.1.7, X.1.8, at MAIL)        |
| norelaying      | soft                         | sender    | relaying denied                                        |
| authfailure     | soft                         | sender    | SPF, DKIM or DMARC failed (X.7.20-X.7.26, X.7.29)      |
| badreputation   | soft                         | sender    | sending IP or domain reputation                        |
| requireptr      | soft                         | sender    | no or bad reverse DNS for the sending IP (X.7.25)      |
| securityerror   | soft                         | sender    | authentication, TLS or other security refusal (X.7.x)  |
| speeding        | soft                         | sender    | rate limited: sending too fast                         |
| toomanyconn     | soft                         | sender    | too many connections or recipients (X.5.3)             |
| syntaxerror     | soft                         | sender    | the sending MTA's SMTP syntax was refused (X.5.2)      |
| filtered        | soft                         | message   | refused by a recipient's filter after DATA (X.2.0)     |
| spamdetected    | soft                         | message   | content judged spam (X.7.28)                           |
| virusdetected   | soft                         | message   | virus or dangerous attachment                          |
| policyviolation | soft                         | message   | a local policy refused the message                     |
| contenterror    | soft                         | message   | malformed or unsupported content (X.6.x)               |
| mesgtoobig      | soft                         | message   | message too big for the system (X.3.4)                 |
| exceedlimit     | soft                         | message   | message over a per-mailbox size limit (X.2.3)          |
| notcompliantrfc | soft                         | message   | message not RFC 5322 compliant                         |
| expired         | soft                         | transient | delivery time expired, queue timeout (X.4.7)           |
| networkerror    | soft                         | transient | DNS or network failure, loops (X.4.x)                  |
| systemerror     | soft                         | transient | error on the remote system (X.3.0, X.3.5)              |
| systemfull      | soft                         | transient | remote mail system full (X.3.1)                        |
| mailererror     | soft                         | transient | the recipient's mailer program failed (X-Unix)         |
| onhold          | undetermined                 | transient | a diagnostic that says nothing decidable               |
| undefined       | undetermined                 | transient | no diagnostic at all                                   |

Whatever the reason, a delayed recipient or a 4.x.x status is soft (RFC 3463 §3.1: class 4 is a
persistent transient failure), so neither a delay notice nor a temporary failure ever suppresses.
"""

from __future__ import annotations

from typing import Final

from domain.bounces.codes import is_temporary
from domain.bounces.model import Permanence, Scope

HARD_REASONS: Final = frozenset({"userunknown", "hostunknown", "hasmoved"})
UNDETERMINED_REASONS: Final = frozenset({"onhold", "undefined"})
SENDER_NULL_MX: Final = "5.7.27"

SCOPES: dict[str, Scope] = {
    "userunknown": Scope.ADDRESS,
    "hostunknown": Scope.ADDRESS,
    "hasmoved": Scope.ADDRESS,
    "notaccept": Scope.ADDRESS,
    "suspend": Scope.ADDRESS,
    "mailboxfull": Scope.TRANSIENT,
    "blocked": Scope.SENDER,
    "rejected": Scope.SENDER,
    "norelaying": Scope.SENDER,
    "authfailure": Scope.SENDER,
    "badreputation": Scope.SENDER,
    "requireptr": Scope.SENDER,
    "securityerror": Scope.SENDER,
    "speeding": Scope.SENDER,
    "toomanyconn": Scope.SENDER,
    "syntaxerror": Scope.SENDER,
    "filtered": Scope.MESSAGE,
    "spamdetected": Scope.MESSAGE,
    "virusdetected": Scope.MESSAGE,
    "policyviolation": Scope.MESSAGE,
    "contenterror": Scope.MESSAGE,
    "mesgtoobig": Scope.MESSAGE,
    "exceedlimit": Scope.MESSAGE,
    "notcompliantrfc": Scope.MESSAGE,
    "expired": Scope.TRANSIENT,
    "networkerror": Scope.TRANSIENT,
    "systemerror": Scope.TRANSIENT,
    "systemfull": Scope.TRANSIENT,
    "mailererror": Scope.TRANSIENT,
    "onhold": Scope.TRANSIENT,
    "undefined": Scope.TRANSIENT,
}


def permanence(reason: str, status: str | None, action: str) -> Permanence:
    """Hard only for an address-level reason in a permanent report (see the table above)."""
    if action != "failed" or is_temporary(status):
        return Permanence.SOFT
    if reason in HARD_REASONS or (reason == "notaccept" and (status or "").startswith("5.")):
        return Permanence.SOFT if status == SENDER_NULL_MX else Permanence.HARD
    if reason in UNDETERMINED_REASONS:
        return Permanence.UNDETERMINED
    return Permanence.SOFT


def scope(reason: str, status: str | None) -> Scope:
    """Whose problem the reason is; reasons outside the table are transient (nobody need act)."""
    if status == SENDER_NULL_MX:
        return Scope.SENDER
    return SCOPES.get(reason, Scope.TRANSIENT)
