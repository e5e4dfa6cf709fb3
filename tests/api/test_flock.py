"""The hub's subscribers grouped as a fan-out uses them (api.flock): by path, key and selection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api.flock import Flock, wanted_by
from api.subscriber import Direct, Snapshot, Subscriber
from domain.notify import Committed

ORG = uuid.uuid4()
EVENT = Committed(1, ORG, uuid.uuid4(), "created", datetime.now(UTC))
SNAPSHOT = Snapshot(None, None)


class Asked:
    """A `wants` that answers `answer` and counts how often it was asked."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.count = 0

    def __call__(self, event: Committed, snapshot: Snapshot) -> bool:
        self.count += 1
        return self.answer


async def render(note: object, snapshot: Snapshot) -> str | None:
    return None


def subscriber(key: str | None, selects: str | None = None, wants: Asked | None = None) -> Subscriber:
    direct = None if key is None else Direct(object(), key, wants or Asked(True), render, selects)
    return Subscriber(ORG, None, 10, direct)


def test_subscribers_are_split_by_path_key_and_selection_and_each_is_iterated_once() -> None:
    flock = Flock()
    plain = subscriber(None)
    alike = [subscriber("k1", "all") for _ in range(3)]
    alone = [subscriber("k1"), subscriber("k1")]
    other_key = subscriber("k2", "all")
    for each in [plain, *alike, *alone, other_key]:
        flock.add(each)
    assert list(flock.plain) == [plain]
    direct = dict(flock.direct())
    assert sorted(len(bucket) for bucket in direct["k1"]) == [1, 1, 3]
    assert direct["k2"] == [(other_key,)]
    assert sorted(map(id, flock)) == sorted(map(id, [plain, *alike, *alone, other_key]))
    assert len(flock) == 7


def test_discarding_empties_buckets_and_keys_and_says_whether_it_was_there() -> None:
    flock = Flock()
    first, second, plain = subscriber("k", "all"), subscriber("k", "all"), subscriber(None)
    for each in (first, second, plain):
        flock.add(each)
    assert flock.discard(first) is True
    assert flock.discard(first) is False
    assert flock.direct() == [("k", [(second,)])]
    assert flock.discard(second) is True
    assert flock.direct() == []
    assert flock  # the plain one is still in
    assert flock.discard(plain) is True
    assert flock.discard(plain) is False
    assert not flock
    assert len(flock) == 0


def test_the_direct_view_is_a_copy_that_later_comings_and_goings_leave_alone() -> None:
    flock = Flock()
    kept = subscriber("k", "all")
    flock.add(kept)
    before = flock.direct()
    flock.add(subscriber("k", "all"))
    flock.discard(kept)
    assert before == [("k", [(kept,)])]


def test_one_verdict_per_bucket_and_only_wanting_buckets_are_kept() -> None:
    yes, no, alone_yes = Asked(True), Asked(False), Asked(True)
    wanting = [subscriber("k", "yes", yes) for _ in range(4)]
    unwanting = [subscriber("k", "no", no) for _ in range(3)]
    single = subscriber("k", None, alone_yes)
    flock = Flock()
    for each in [*wanting, *unwanting, single]:
        flock.add(each)
    ((_, buckets),) = flock.direct()
    members = wanted_by(EVENT, SNAPSHOT, buckets)
    assert sorted(map(id, members)) == sorted(map(id, [*wanting, single]))
    assert (yes.count, no.count, alone_yes.count) == (1, 1, 1)
