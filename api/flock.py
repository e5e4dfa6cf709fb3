"""The subscribers of one hub index entry (an organization, or one email of it), kept as a fan-out uses them.

A fan-out needs the subscribers split three ways: those without a direct path (their tasks take
the note), and the direct ones by sharing key (one rendering each) and, within a key, by what they
select (`Direct.selects`: one `wants` verdict each). Working that out for every event cost a pass
in Python over every subscriber, twice, before a byte was written: for a thousand dashboards on one
organization, about as much as writing to their sockets. The flock keeps the split as subscribers
come and go, so an event costs per subscriber nothing but its write (api.live `Hub._write`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator

from api.subscriber import Snapshot, Subscriber
from domain.notify import Committed

Bucket = tuple[Subscriber, ...]
"""Direct subscribers with the same key and the same `selects` (or one alone, whose `selects` is None)."""

Keyed = list[tuple[Hashable, list[Bucket]]]
"""The direct subscribers by sharing key, then by selection (`Flock.direct`)."""


class Flock:
    """Subscribers by path, key and selection; iterating it gives every subscriber once."""

    __slots__ = ("_keyed", "plain")

    def __init__(self) -> None:
        self.plain: dict[Subscriber, None] = {}
        """Subscribers without a direct path, in the order they came."""
        self._keyed: dict[Hashable, dict[object, dict[Subscriber, None]]] = {}
        """key -> selects (the subscriber itself when it selects alone) -> its subscribers."""

    def add(self, subscriber: Subscriber) -> None:
        direct = subscriber.direct
        if direct is None:
            self.plain[subscriber] = None
            return
        selects = subscriber if direct.selects is None else direct.selects
        self._keyed.setdefault(direct.key, {}).setdefault(selects, {})[subscriber] = None

    def discard(self, subscriber: Subscriber) -> bool:
        """Take `subscriber` out; False when it was not in."""
        direct = subscriber.direct
        if direct is None:
            return self.plain.pop(subscriber, False) is None
        buckets = self._keyed.get(direct.key)
        selects = subscriber if direct.selects is None else direct.selects
        bucket = buckets.get(selects) if buckets is not None else None
        if bucket is None or subscriber not in bucket:
            return False
        del bucket[subscriber]
        if not bucket:
            del buckets[selects]  # type: ignore[union-attr]
            if not buckets:
                del self._keyed[direct.key]
        return True

    def direct(self) -> Keyed:
        """The direct subscribers as they are now, by key then by selection: a copy, so that
        subscribers coming and going while a fan-out waits for its snapshot change nothing in it."""
        return [(key, [tuple(bucket) for bucket in buckets.values()]) for key, buckets in self._keyed.items()]

    def __iter__(self) -> Iterator[Subscriber]:
        yield from self.plain
        for buckets in self._keyed.values():
            for bucket in buckets.values():
                yield from bucket

    def __len__(self) -> int:
        return len(self.plain) + sum(len(bucket) for buckets in self._keyed.values() for bucket in buckets.values())

    def __bool__(self) -> bool:
        return bool(self.plain or self._keyed)


def wanted_by(event: Committed, snapshot: Snapshot, buckets: list[Bucket]) -> list[Subscriber]:
    """The subscribers of `buckets` that want `event`: one `wants` verdict per bucket, since the
    subscribers of one bucket select alike (`Direct.selects`)."""
    members: list[Subscriber] = []
    for bucket in buckets:
        direct = bucket[0].direct
        if direct is not None and direct.wants(event, snapshot):
            members.extend(bucket)
    return members
