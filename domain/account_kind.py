"""Which Gmail a mailbox is, and the daily sending cap that follows. Pure: no I/O.

Gmail allows about 500 messages a day from a consumer account and 2,000 from a paid Google
Workspace one (shared reference gmail-api.md §4.3; Workspace trials: 500). The Gmail API itself
does not say which kind a mailbox is: a gmail.com / googlemail.com address is a consumer account
for certain, and Google's ID token names the Workspace domain in its `hd` claim when one is
returned; anything else is unknown and gets the safe 500.
"""

from __future__ import annotations

from enum import StrEnum


class AccountKind(StrEnum):
    """Which Gmail the mailbox is, which decides its daily sending limit."""

    CONSUMER = "CONSUMER"
    WORKSPACE = "WORKSPACE"
    UNKNOWN = "UNKNOWN"


CONSUMER_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
CAPS = {AccountKind.CONSUMER: 500, AccountKind.WORKSPACE: 2000, AccountKind.UNKNOWN: 500}
MAX_CAP = 2000


def kind_of(address: str, hosted_domain: str | None) -> AccountKind:
    """The kind Gmail's answers reveal: the address's domain, or the ID token's `hd` claim."""
    if address.rpartition("@")[2].lower() in CONSUMER_DOMAINS:
        return AccountKind.CONSUMER
    if hosted_domain:
        return AccountKind.WORKSPACE
    return AccountKind.UNKNOWN


def default_cap(kind: AccountKind) -> int:
    return CAPS[kind]


def cap_problem(kind: AccountKind, cap: int) -> str | None:
    """Why `cap` cannot be this account's daily cap, or None."""
    if cap < 0:
        return "the daily send cap cannot be negative"
    if kind == AccountKind.CONSUMER and cap > CAPS[AccountKind.CONSUMER]:
        return "a consumer Gmail account sends at most 500 messages a day"
    if cap > MAX_CAP:
        return f"Gmail sends at most {MAX_CAP} messages a day from one account"
    return None
