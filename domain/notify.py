"""Telling listeners in this process about audit events once their transaction has committed.

PostgreSQL does this across processes with the `outbound_email_event_notify` trigger (NOTIFY is
delivered on commit). The embedded mode runs on SQLite, in one process, so this in-process bus
does the same job: it watches every SQLAlchemy session, collects the events each flush wrote,
and hands them to the subscribers after the commit (never on rollback).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from domain.records import OutboundEmailEvent

log = logging.getLogger("mailtrail.notify")

CHANNEL = "mailtrail_events"
_PENDING = "mailtrail_pending_events"


@dataclass(frozen=True, slots=True)
class Committed:
    """What a NOTIFY carries: ids only, never content."""

    seq: int
    organization_id: uuid.UUID
    email_id: uuid.UUID
    kind: str
    at: datetime | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Committed:
        at = payload.get("at")
        return cls(
            seq=int(payload["seq"]),
            organization_id=uuid.UUID(str(payload["org"])),
            email_id=uuid.UUID(str(payload["email"])),
            kind=str(payload["kind"]),
            at=datetime.fromisoformat(at) if isinstance(at, str) else None,
        )


Listener = Callable[[list[Committed]], None]


class LocalBus:
    """Fan-out of committed events to listeners in this process (called from any thread)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._installed = False
        # Collect from the start, not from the first subscribe: a transaction that flushed its events
        # before the first listener came and committed after would otherwise be published to no one.
        self._install()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._install()
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, items: list[Committed]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(items)
            except Exception:  # a broken listener must not undo a committed transaction's caller
                log.exception("event listener failed")

    def _install(self) -> None:
        if self._installed:
            return
        self._installed = True
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", self._after_commit)
        event.listen(Session, "after_soft_rollback", _discard)

    def _after_commit(self, session: Session) -> None:
        items = session.info.pop(_PENDING, None)
        if items:
            self.publish(items)


def _collect(session: Session, _context: Any) -> None:
    written = [obj for obj in session.new if isinstance(obj, OutboundEmailEvent)]
    if written:
        session.info.setdefault(_PENDING, []).extend(
            Committed(e.seq or 0, e.organization_id, e.email_id, e.kind, e.at) for e in written
        )


def _discard(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


bus = LocalBus()
