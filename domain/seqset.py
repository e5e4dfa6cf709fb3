"""Sets of audit-trail sequence numbers, kept as sorted disjoint ranges: the subscription cursor.

PostgreSQL hands out `seq` when a row is inserted, but transactions commit in their own order, so
seq 11 can become visible before seq 10. A cursor that were only "the last seq I saw" would then
skip 10 on a replay. A cursor is therefore the *set* of seqs a client has been brought up to date
with: almost always one range `1-N`, plus a few ranges above the holes left by transactions that
had not committed yet. Replaying `since` a cursor returns exactly the events not in the set, so
nothing is missed and nothing is sent twice.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Iterable, Iterator

PREFIX = "s1."
MAX_RANGES = 512
MAX_SEQ = 2**63 - 1
"""The audit trail's seq is a PostgreSQL bigint: nothing above it can be a real event."""
_RANGE = re.compile(r"^(\d{1,19})(?:-(\d{1,19}))?$")


class SeqSet:
    """Inclusive, disjoint, sorted ranges of positive integers."""

    __slots__ = ("_gaps", "ranges")

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self.ranges: list[list[int]] = []
        self._gaps: dict[int, float] = {}
        for low, high in ranges:
            self.add_range(low, high)

    @classmethod
    def up_to(cls, high: int) -> SeqSet:
        return cls([(0, high)]) if high >= 0 else cls()

    def copy(self) -> SeqSet:
        clone = SeqSet()
        clone.ranges = [list(r) for r in self.ranges]
        return clone

    def __contains__(self, n: int) -> bool:
        i = bisect.bisect_right(self.ranges, n, key=lambda r: r[0]) - 1
        return i >= 0 and self.ranges[i][1] >= n

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((low, high) for low, high in self.ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeqSet) and self.ranges == other.ranges

    def __repr__(self) -> str:
        return f"SeqSet({self.encode()!r})"

    @property
    def floor(self) -> int:
        """Every seq at or below this is in the set (0 when the set does not start at the bottom)."""
        return self.ranges[0][1] if self.ranges and self.ranges[0][0] <= 1 else 0

    @property
    def top(self) -> int:
        return self.ranges[-1][1] if self.ranges else 0

    def add(self, n: int) -> None:
        self.add_range(n, n)

    def add_range(self, low: int, high: int) -> None:
        if high < low:
            return
        ranges = self.ranges
        i = bisect.bisect_left(ranges, low, key=lambda r: r[1] + 1)
        j = i
        while j < len(ranges) and ranges[j][0] <= high + 1:
            low, high = min(low, ranges[j][0]), max(high, ranges[j][1])
            j += 1
        ranges[i:j] = [[low, high]]

    def update(self, other: SeqSet) -> None:
        for low, high in other.ranges:
            self.add_range(low, high)

    def gaps(self) -> list[tuple[int, int]]:
        return [(a[1] + 1, b[0] - 1) for a, b in zip(self.ranges, self.ranges[1:], strict=False)]

    def fill_stale_gaps(self, ttl: float, now: float | None = None) -> None:
        """Treat holes older than `ttl` seconds as settled (a rolled-back transaction leaves one forever)."""
        now = time.monotonic() if now is None else now
        seen: dict[int, float] = {}
        for low, high in self.gaps():
            since = self._gaps.get(low, now)
            if now - since >= ttl:
                self.add_range(low, high)
            else:
                seen[low] = since
        self._gaps = seen
        while len(self.ranges) > MAX_RANGES:  # keep cursors small: settle the oldest holes first
            first, second = self.ranges[0], self.ranges[1]
            self.add_range(first[1] + 1, second[0] - 1)

    def encode(self) -> str:
        return PREFIX + ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in self.ranges)

    @classmethod
    def decode(cls, text: str) -> SeqSet:
        """Parse a cursor; ValueError for anything this module did not write."""
        if not text.startswith(PREFIX):
            raise ValueError("not a subscription cursor")
        body = text[len(PREFIX) :]
        parts = body.split(",") if body else []
        if len(parts) > MAX_RANGES:
            raise ValueError("cursor has too many ranges")
        result = cls()
        for part in parts:
            match = _RANGE.match(part)
            if match is None:
                raise ValueError("malformed cursor")
            low = int(match.group(1))
            high = int(match.group(2) or low)
            if high < low:
                raise ValueError("malformed cursor")
            if high > MAX_SEQ:
                raise ValueError("cursor names an event beyond any sequence number")
            result.add_range(low, high)
        return result
