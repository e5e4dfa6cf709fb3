"""Alarms for thousands of owners on one event loop: one loop timer per tenth of a second, not one each.

Every open WebSocket had two timers of its own for as long as it lived: uvicorn's keepalive ping
(every `ws_ping_interval`) and, for a subscription the hub serves directly, the next look at its
token (api.subscriber). `loop.call_later` makes a TimerHandle each time, holding the callback, its
arguments and a copy of the context (our log fields with it): about 0.5 KB apiece, a kilobyte of
every open subscription's memory (tracemalloc, 2,000 subscriptions). Here an alarm is an entry in
the dict of the slot it falls in; a slot is `RESOLUTION` seconds wide and has one loop timer, which
rings every owner in it. So an alarm rings up to `RESOLUTION` late (early only by the loop's clock
resolution, a millisecond on uvloop).

An owner is anything hashable with a `ring()` method; it holds at most one alarm here, set with
`set_in` (which replaces the one it had) and cleared with `clear`. `ring` runs with the loop's own
context, as a callback of the loop: an owner that needs a context of its own sets it itself.
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from typing import Protocol

log = logging.getLogger("mailtrail.alarms")

RESOLUTION = 0.1
"""Seconds: the width of a slot, the most an alarm can ring late."""


class Owner(Protocol):
    def ring(self) -> None: ...


class Alarms:
    """The alarms of one event loop (`alarms()` finds the running loop's)."""

    __slots__ = ("__weakref__", "_handles", "_loop", "_owners", "_slots")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[int, dict[Owner, None]] = {}
        """Owners to ring, by slot (loop time // RESOLUTION, rounded up)."""
        self._handles: dict[int, asyncio.TimerHandle] = {}
        self._owners: dict[Owner, int] = {}
        """Each owner's slot."""

    def set_in(self, delay: float, owner: Owner) -> None:
        """Ring `owner` in `delay` seconds (up to RESOLUTION later), instead of any alarm it had here."""
        self.clear(owner)
        slot = math.ceil((self._loop.time() + max(0.0, delay)) / RESOLUTION)
        due = self._slots.get(slot)
        if due is None:
            due = self._slots[slot] = {}
            self._handles[slot] = self._loop.call_at(slot * RESOLUTION, self._ring, slot)
        due[owner] = None
        self._owners[owner] = slot

    def clear(self, owner: Owner) -> None:
        """No alarm for `owner` (nothing happens when it had none)."""
        slot = self._owners.pop(owner, None)
        if slot is None:
            return
        due = self._slots.get(slot)
        if due is not None:
            due.pop(owner, None)
            if not due:
                del self._slots[slot]
                handle = self._handles.pop(slot, None)
                if handle is not None:
                    handle.cancel()

    def is_set(self, owner: Owner) -> bool:
        return owner in self._owners

    def __len__(self) -> int:
        return len(self._owners)

    def _ring(self, slot: int) -> None:
        self._handles.pop(slot, None)
        due = self._slots.pop(slot, None) or {}
        for owner in due:
            if self._owners.get(owner) == slot:  # not moved to another slot by an owner rung before it
                del self._owners[owner]
                try:
                    owner.ring()
                except Exception:  # one owner's failure must not keep the others' alarms from ringing
                    log.exception("an alarm's owner failed when rung")


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Alarms] = weakref.WeakKeyDictionary()


def alarms(loop: asyncio.AbstractEventLoop | None = None) -> Alarms:
    """The alarms of `loop` (the running loop's by default)."""
    if loop is None:
        loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is None:
        found = _by_loop[loop] = Alarms(loop)
    return found
