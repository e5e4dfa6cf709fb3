"""The emulator's state: mailboxes, messages, threads, labels and history, behind one lock.

Ids look like Gmail's: 16 hex digits, a new thread's id equals its first message's id, and
history ids rise with gaps (gmail-api.md §0.6, §2).
"""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CATEGORY_PERSONAL",
    "CATEGORY_UPDATES",
)


def new_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    label_ids: list[str]
    internal_date_ms: int
    history_id: int
    added_at: float = field(default_factory=time.monotonic)  # when search may index it (Limits.search_lag_seconds)

    @property
    def parsed(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def header(self, name: str) -> str | None:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.compat32)
        value = parsed.get(name)
        return str(value) if value is not None else None


@dataclass
class HistoryRecord:
    id: int
    message_id: str
    thread_id: str
    kind: str  # messageAdded, labelsAdded, labelsRemoved, messageDeleted
    label_ids: list[str] = field(default_factory=list)


@dataclass
class Mailbox:
    address: str
    display_name: str | None = None
    aliases: set[str] = field(default_factory=set)
    daily_send_cap: int | None = None
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)
    history: list[HistoryRecord] = field(default_factory=list)
    history_id: int = 0
    oldest_history_id: int = 0
    watch: dict[str, Any] | None = None
    sent_times: list[float] = field(default_factory=list)
    unit_times: list[tuple[float, int]] = field(default_factory=list)


class Store:
    """Every mailbox of the emulator. Callers hold `lock` while reading or changing state."""

    def __init__(self, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.mailboxes: dict[str, Mailbox] = {}
        self._clock_ms = itertools.count()

    def mailbox(self, address: str) -> Mailbox | None:
        return self.mailboxes.get(address.lower())

    def add_mailbox(self, address: str, history_id_base: int = 0, **options: Any) -> Mailbox:
        """The mailbox for `address`, created with history ids starting above `history_id_base`."""
        with self.lock:
            box = self.mailboxes.get(address.lower())
            if box is None:
                start = history_id_base + self.rng.randrange(100_000, 900_000)
                box = Mailbox(address.lower(), history_id=start, oldest_history_id=start, **options)
                self.mailboxes[box.address] = box
            return box

    def next_history_id(self, box: Mailbox) -> int:
        """History ids rise, with gaps, like Gmail's."""
        box.history_id += self.rng.randrange(1, 40)
        return box.history_id

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def add_message(self, box: Mailbox, raw: bytes, labels: list[str], thread_id: str | None = None) -> StoredMessage:
        message_id = new_id(self.rng)
        while message_id in box.messages:
            message_id = new_id(self.rng)
        history_id = self.next_history_id(box)
        stored = StoredMessage(
            message_id, thread_id or message_id, raw, list(dict.fromkeys(labels)), self.now_ms(), history_id
        )
        box.messages[message_id] = stored
        box.history.append(HistoryRecord(history_id, message_id, stored.thread_id, "messageAdded", list(labels)))
        return stored

    def change_labels(self, box: Mailbox, message: StoredMessage, add: list[str], remove: list[str]) -> None:
        added = [label for label in add if label not in message.label_ids]
        removed = [label for label in remove if label in message.label_ids]
        message.label_ids = [label for label in message.label_ids if label not in removed] + added
        if added:
            history_id = self.next_history_id(box)
            box.history.append(HistoryRecord(history_id, message.id, message.thread_id, "labelsAdded", added))
            message.history_id = history_id
        if removed:
            history_id = self.next_history_id(box)
            box.history.append(HistoryRecord(history_id, message.id, message.thread_id, "labelsRemoved", removed))
            message.history_id = history_id

    def expire_history(self, box: Mailbox, before: int | None = None) -> None:
        """Forget history older than `before` (default: all of it), so older ids answer 404."""
        cutoff = box.history_id + 1 if before is None else before
        box.history = [record for record in box.history if record.id >= cutoff]
        box.oldest_history_id = cutoff

    def thread_messages(self, box: Mailbox, thread_id: str) -> list[StoredMessage]:
        return sorted((m for m in box.messages.values() if m.thread_id == thread_id), key=lambda m: m.internal_date_ms)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def snippet(message: email.message.EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    try:
        text = body.get_content() if body is not None else ""
    except (KeyError, LookupError, AttributeError):
        text = ""
    return " ".join(str(text).split())[:200]
