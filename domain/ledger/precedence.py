"""Which signal about a recipient wins, and what the email's roll-up is. Pure: no I/O.

A recipient's states, weakest first:

    (not sent) < SENT < DELAYED < AUTO_REPLIED < BOUNCED < REPLIED

- SENT: Gmail accepted the email; nothing heard since.
- DELAYED: a delay notice (RFC 3464 Action `delayed`, a 4.x.x status): the remote side still tries.
- AUTO_REPLIED: an automatic reply (RFC 3834). It shows the mailbox exists, but autoresponders
  also answer for mailboxes that then refuse ("no longer monitored"), so a bounce outranks it.
- BOUNCED: the remote side gave up (Action `failed`).
- REPLIED: a human answered: nothing said later can undo that the message arrived.

Between two bounces, permanence decides (soft < undetermined < hard); between signals of equal
strength the later detection wins (a second delay notice refreshes the first). That is a total
order, so applying the same signals in any order leaves the same row: what ingest does one
signal at a time equals what unlinkBounce rebuilds from the remaining evidence.

The email's `deliveryStatus` is the seed's roll-up of its recipients (and of evidence naming no
recipient, such as a reply from a colleague's address), in domain/delivery.py's order:
any bounce -> bounce_detected, else any human reply -> replied, else any delay -> delayed,
else any automatic reply -> delivered (it proves delivery), else nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from domain.delivery import DeliveryStatus, upgrade


class RecipientRole(StrEnum):
    TO = "TO"
    CC = "CC"
    BCC = "BCC"


class DeliveryState(StrEnum):
    """What became of the email for one recipient (None until Gmail accepted the email)."""

    SENT = "SENT"
    DELAYED = "DELAYED"
    BOUNCED = "BOUNCED"
    REPLIED = "REPLIED"
    AUTO_REPLIED = "AUTO_REPLIED"


class Correlation(StrEnum):
    """Which evidence tied a bounce or a reply to its email."""

    IN_REPLY_TO = "IN_REPLY_TO"
    """The notice's In-Reply-To or References names the email's Message-ID."""
    MESSAGE_ID_IN_REPORT = "MESSAGE_ID_IN_REPORT"
    """The DSN's returned headers (or Original-Message-ID) carry the email's Message-ID."""
    MAILTRAIL_HEADER = "MAILTRAIL_HEADER"
    """The returned message carries the email's X-Mailtrail-Id."""
    THREAD = "THREAD"
    """Only the Gmail thread matched (the weakest evidence)."""
    MANUAL = "MANUAL"
    """Linked by hand (linkBounce)."""


RANK: dict[DeliveryState | None, int] = {
    None: 0,
    DeliveryState.SENT: 1,
    DeliveryState.DELAYED: 2,
    DeliveryState.AUTO_REPLIED: 3,
    DeliveryState.BOUNCED: 4,
    DeliveryState.REPLIED: 5,
}
PERMANENCE_RANK = {"soft": 0, "undetermined": 1, "hard": 2}

Strength = tuple[int, int, float]


def strength(state: DeliveryState | None, permanence: str | None, detected_at: datetime | None) -> Strength:
    """The sort key of a recipient's state: rank, then (for bounces) permanence, then recency."""
    weight = PERMANENCE_RANK.get(permanence or "", 0) if state == DeliveryState.BOUNCED else 0
    return RANK[state], weight, detected_at.timestamp() if detected_at else float("-inf")


def wins(
    current: tuple[DeliveryState | None, str | None, datetime | None],
    signal: tuple[DeliveryState, str | None, datetime],
) -> bool:
    """Whether `signal` (state, permanence, detected_at) replaces the recipient's `current` one."""
    return strength(*signal) > strength(*current)


TO_STATUS: dict[DeliveryState, DeliveryStatus | None] = {
    DeliveryState.SENT: None,
    DeliveryState.DELAYED: DeliveryStatus.DELAYED,
    DeliveryState.AUTO_REPLIED: DeliveryStatus.DELIVERED,
    DeliveryState.BOUNCED: DeliveryStatus.BOUNCE_DETECTED,
    DeliveryState.REPLIED: DeliveryStatus.REPLIED,
}


def rollup(states: Iterable[DeliveryState | None], unattributed: Iterable[DeliveryState] = ()) -> DeliveryStatus | None:
    """The email's delivery status from its recipients' states and the evidence naming none of them."""
    status: DeliveryStatus | None = None
    for state in (*states, *unattributed):
        mapped = TO_STATUS.get(state) if state is not None else None
        if mapped is not None:
            status = upgrade(status, mapped)
    return status
