"""api.alarms: many owners' alarms on one loop timer per slot; each rings once, late by less than a slot."""

from __future__ import annotations

import asyncio
import itertools
import time

from api.alarms import RESOLUTION, alarms


class Owner:
    def __init__(self, rung: list[tuple[Owner, float]], fail: bool = False) -> None:
        self.rung = rung
        self.fail = fail

    def ring(self) -> None:
        self.rung.append((self, time.monotonic()))
        if self.fail:
            raise RuntimeError("this owner fails; the others still ring")


def timers(loop: asyncio.AbstractEventLoop) -> int:
    """The loop's pending timers (asyncio's own loop keeps them in `_scheduled`)."""
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    return len([h for h in scheduled if not h.cancelled()])


async def test_owners_due_together_share_one_loop_timer_and_each_rings_once_in_its_slot() -> None:
    rung: list[tuple[Owner, float]] = []
    clock = alarms()
    loop = asyncio.get_running_loop()
    before = timers(loop)
    started = time.monotonic()
    soon = [Owner(rung) for _ in range(500)]
    later = Owner(rung)
    failing = Owner(rung, fail=True)
    for owner in [*soon, failing]:
        clock.set_in(0.2, owner)
    clock.set_in(0.5, later)
    assert timers(loop) - before <= 3  # one per slot (0.2 s may straddle two), not one per owner
    assert len(clock) == 502
    await asyncio.sleep(0.8)
    assert sorted(id(o) for o, _ in rung) == sorted(id(o) for o in [*soon, failing, later])  # each once
    for owner, at in rung:
        due = 0.5 if owner is later else 0.2
        assert due - 0.005 <= at - started <= due + RESOLUTION + 1.0  # never early (late: a slot, and a busy loop)
    assert len(clock) == 0 and timers(loop) == before


async def test_a_cleared_or_moved_alarm_rings_only_where_it_is_now() -> None:
    rung: list[tuple[Owner, float]] = []
    clock = alarms()
    loop = asyncio.get_running_loop()
    before = timers(loop)
    cleared, moved, kept = Owner(rung), Owner(rung), Owner(rung)
    for owner in (cleared, moved, kept):
        clock.set_in(0.1, owner)
    clock.clear(cleared)
    clock.clear(cleared)  # twice: nothing more happens
    clock.set_in(0.4, moved)  # replaces its first alarm
    assert clock.is_set(moved) and not clock.is_set(cleared)
    await asyncio.sleep(0.25)
    assert [o for o, _ in rung] == [kept]
    await asyncio.sleep(0.35)
    assert [o for o, _ in rung] == [kept, moved]
    clock.set_in(0.1, cleared)
    clock.clear(cleared)  # the only owner of its slot: the slot's loop timer goes too
    assert timers(loop) == before


async def test_an_owner_ringing_may_set_its_next_alarm() -> None:
    times: list[float] = []

    class Repeating:
        def ring(self) -> None:
            times.append(time.monotonic())
            if len(times) < 3:
                alarms().set_in(0.1, self)

    alarms().set_in(0.1, Repeating())
    await asyncio.sleep(0.7)
    assert len(times) == 3 and all(b - a >= 0.09 for a, b in itertools.pairwise(times))
