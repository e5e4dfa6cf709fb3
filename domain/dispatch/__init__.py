"""Sending one PENDING email exactly once: claim it, check the budget, hand it to Gmail, record it.

Exactly once rests on three things:
- a claim (an attempt token written under a row lock) so one worker at a time holds a send; a
  claim older than the lease may be taken over. A worker starts the Gmail call only within half
  the lease of its claim, and the lease is at least twice the call's timeout, so the previous
  holder has always finished or given up before anyone can take over. An attempt that first
  searched for an earlier send renews its claim (if it still holds it) before the call, so a slow
  search cannot starve the email of attempts (claim.py, dispatcher.py);
- an attempt whose outcome is unknown (a crash, a timeout, a reset, a 5xx: Gmail may have
  accepted the message) leaves `uncertain_since` set, and the next attempt first looks in the
  account's Sent mail, within that window, for the message carrying this email's X-Mailtrail-Id
  (recovery.py). A *definite* refusal (429, a quota or auth error, a 4xx) means nothing was sent,
  so it leaves no uncertainty behind and the next attempt does not spend quota searching;
- the result is recorded only on a row that is still PENDING (outcomes.py).

The modules: terms (results, policy), claim (the claim's transaction), message (what Gmail gets),
recovery (the search for an earlier send), outcomes and settle (recording how an attempt ended),
dispatcher (one attempt from end to end).
"""

from domain.dispatch.claim import Claim
from domain.dispatch.dispatcher import Dispatcher
from domain.dispatch.message import suppressed_message
from domain.dispatch.terms import (
    ACTOR,
    MAILTRAIL_ID_HEADER,
    SEARCH_SKEW,
    Doubt,
    Failpoint,
    Outcome,
    Policy,
    Result,
    Sessions,
)

__all__ = [
    "ACTOR",
    "MAILTRAIL_ID_HEADER",
    "SEARCH_SKEW",
    "Claim",
    "Dispatcher",
    "Doubt",
    "Failpoint",
    "Outcome",
    "Policy",
    "Result",
    "Sessions",
    "suppressed_message",
]
