"""Row ids: UUID version 7 (RFC 9562 §5.7), time-ordered, for every table's primary key.

A version 4 id is random, so each new row's entry lands on a random leaf of its table's primary
key index, and of every index that leads with it (a recipient's or an event's `email_id`): once
those indexes outgrow shared_buffers, each insert and each later lookup of a young row reads a
cold page, and the first change to it after a checkpoint writes the whole 8 KB page to the WAL.
With a million emails in the table this cost the send path about 1 ms of PostgreSQL CPU per email
(issue 16). A version 7 id starts with its Unix time in milliseconds, so young rows share the
same few leaves and stay in memory; its other 74 bits are random (`os.urandom`), as unguessable
as a v4's 122 for anything an id is used for here (tenancy never rests on an id being secret).

Python 3.14's `uuid.uuid7` does the same; this runs on 3.11. Within one millisecond ids are not
ordered (RFC 9562 lets an implementation choose): locality needs only the millisecond.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)
_RANDOM_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 80) - 1)


def new_id() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, version 7, 74 random bits, RFC variant."""
    random_bits = int.from_bytes(os.urandom(10)) & _RANDOM_MASK
    return uuid.UUID(int=(time.time_ns() // 1_000_000) << 80 | random_bits | _VERSION_AND_VARIANT)


def id_time_ms(value: uuid.UUID) -> int:
    """The Unix millisecond a version 7 id was made in."""
    return value.int >> 80
