"""One subscription as the event hub sees it: what it has not taken yet, and how to reach it directly."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from api.alarms import Alarms, alarms
from api.sharing import Shelf
from domain.notify import Committed
from domain.records import MailAccount, OutboundEmail
from domain.seqset import SeqSet

log = logging.getLogger("mailtrail.live")


class FellBehind(Exception):
    """The subscriber's queue overflowed; it must resubscribe with its last cursor."""


@dataclass(frozen=True, slots=True)
class Note:
    """One committed event as the hub saw it, with the hub's view of the trail at that moment."""

    event: Committed
    seen: SeqSet
    """Every seq this process had learned of when this event arrived."""
    cursor: str
    """`seen` encoded, once for every subscriber that receives the event."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An email as it was read after an event; shared read-only by every subscriber."""

    email: OutboundEmail | None
    account: MailAccount | None
    rendered: Shelf = field(default_factory=dict, compare=False, repr=False)
    """Subscription results rendered from this snapshot, shared by key (api.sharing); they go when it goes."""


@dataclass(eq=False, slots=True)
class Direct:
    """How the hub delivers to a subscriber itself, without waking its task (api.fanout)."""

    sink: Any
    """api.fanout.Sink: the operation's socket."""
    key: Hashable
    """Subscribers with equal keys are sent the same bytes for an event (api.sharing)."""
    wants: Callable[[Committed, Snapshot], bool]
    """The subscription's `id` and `filter` (and what its token may see)."""
    render: Callable[[Note, Snapshot], Awaitable[str | None]]
    """The `next` payload for an event, or None when it must go the ordinary way."""
    selects: Hashable | None = None
    """Subscribers with equal (non-None) `selects` get the same answer from `wants` for an event:
    the hub asks once for all of them. None: ask for this one alone."""


@dataclass(eq=False, slots=True)
class Subscriber:
    """One subscription's place in the fan-out: the notes it has not taken yet, at most `limit`.

    A deque made on demand and a single waiter, rather than an asyncio.Queue (four deques and an
    event each): thousands of idle subscribers hold almost nothing.

    With `direct`, the hub renders and writes its updates itself (`deliver`) while its task is
    idle; a note goes to the task instead (`offer`) whenever the task has something in hand, so
    updates leave in the order of the events either way.
    """

    organization_id: uuid.UUID
    email_id: uuid.UUID | None
    limit: int
    direct: Direct | None = None
    fell_behind: bool = False
    closed: bool = False
    busy: bool = False
    """The task took a note and has not asked for the next one yet (it is rendering or sending)."""
    check_due: float = float("inf")
    """When (monotonic) the task must look at the token again: no direct delivery from then on."""
    cursor: str = ""
    """The cursor of the last update sent to it, either way."""
    revive: Callable[[], None] | None = None
    """Set while no task serves it (`detach`): called, once, when one must."""
    _notes: deque[Note] | None = None
    _waiter: asyncio.Future[None] | None = None
    _alarms: Alarms | None = None
    _recheck: Callable[[], Awaitable[float | None]] | None = None
    _checking: asyncio.Future[None] | None = None

    def offer(self, note: Note) -> None:
        if self.fell_behind:
            return
        notes = self._notes
        if notes is None:
            notes = self._notes = deque()
        if len(notes) >= self.limit:
            self.fall_behind()
        else:
            notes.append(note)
            self._wake()

    def fall_behind(self) -> None:
        if not self.fell_behind:
            self.fell_behind = True
            log.warning("subscriber of %s fell behind; told to resubscribe", self.organization_id)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        revive = self.revive
        if revive is not None:
            self._stop_waiting()
            revive()

    def can_detach(self) -> bool:
        """Nothing a task must do for it: the hub writes its updates, and none is waiting."""
        return self.direct is not None and not self._notes and not self.fell_behind and not self.closed

    def detach(self, revive: Callable[[], None], recheck: Callable[[], Awaitable[float | None]]) -> None:
        """No task serves it from now on: the hub writes its updates while it is idle, and `revive`
        starts a task when one must act (a note to take, falling behind, a token no longer good).

        At `check_due`, `recheck` looks at the token (the next `check_due`, or None once it is no
        good) without a task of Strawberry's: thousands of subscriptions do so every
        `token_cache_seconds`, and restarting each one's operation for it would stall their updates.
        """
        self.busy = False
        self.revive = revive
        self._recheck = recheck
        self._arm()

    def _arm(self) -> None:
        delay = self.check_due - time.monotonic()
        if delay != float("inf"):
            self._alarms = alarms()
            self._alarms.set_in(delay, self)  # api.alarms: not a TimerHandle of its own

    def ring(self) -> None:
        """`check_due` has come (api.alarms)."""
        if self.revive is not None and self._recheck is not None:
            self._checking = asyncio.ensure_future(self._look_at_token(self._recheck))

    async def _look_at_token(self, recheck: Callable[[], Awaitable[float | None]]) -> None:
        try:
            due = await recheck()
        except Exception:  # the task's own look at it reports what went wrong
            due = None
        finally:
            self._checking = None
        if self.revive is None:
            return  # revived or gone meanwhile: its task looks at the token itself
        if due is None:
            self._wake()
        else:
            self.check_due = due
            self._arm()

    def close(self) -> None:
        """Gone from the hub: nothing is delivered or revived from now on."""
        self.closed = True
        self._stop_waiting()

    def _stop_waiting(self) -> None:
        self.revive = None
        self._recheck = None
        if self._alarms is not None:
            self._alarms.clear(self)

    @property
    def idle(self) -> bool:
        """Nothing in hand or waiting, the token not due for a look, the operation still open."""
        return (
            not self.busy
            and not self._notes
            and not self.fell_behind
            and not self.closed
            and time.monotonic() < self.check_due
            and self.direct is not None
            and self.direct.sink.open
        )

    def deliver_if_idle(self, now: float, cursor: str, update: Any) -> int:
        """`deliver` when `idle` at `now` (time.monotonic, read once for a whole fan-out): 0 when it is
        not (the caller offers the note instead), 1 when written the ordinary way, 2 as the shared frame.

        The same tests as `idle` and `deliver`, in one call: a broadcast makes it once per subscriber.
        """
        direct = self.direct
        if self.busy or self._notes or self.fell_behind or self.closed or now >= self.check_due or direct is None:
            return 0
        sink = direct.sink
        if not sink.open:
            return 0
        self.cursor = cursor
        if sink.write(update):
            return 2
        if sink.pending > self.limit:  # its socket has stopped taking frames
            self.fall_behind()
        return 1

    def deliver(self, cursor: str, update: Any) -> bool:
        """Write an update rendered for it and for everyone with the same key (an api.fanout.Update);
        True when the frame shared with them went straight to its socket."""
        assert self.direct is not None
        self.cursor = cursor
        sink = self.direct.sink
        shared: bool = sink.write(update)
        if sink.pending > self.limit:  # its socket has stopped taking frames
            self.fall_behind()
        return shared

    async def next(self, until: float = float("inf")) -> Note | None:
        """The next note; None once `until` (time.monotonic) has come with none.

        A timer on the waiter rather than asyncio.timeout around the call: that is a Timeout object
        and a context manager's frame more on every idle subscription, all the time it waits.
        """
        self.busy = False
        loop = asyncio.get_running_loop()
        while True:
            if self.fell_behind:
                raise FellBehind
            notes = self._notes
            if notes:
                note = notes.popleft()
                if not notes:
                    self._notes = None
                self.busy = True
                return note
            delay = until - time.monotonic()
            if delay <= 0:
                return None
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(delay, _wake_up, waiter) if delay != float("inf") else None
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()


def _wake_up(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
