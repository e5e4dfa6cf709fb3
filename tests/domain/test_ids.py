"""Row ids are UUIDv7 (domain/records/ids.py): time-ordered, so young rows share index leaves."""

from __future__ import annotations

import time
import uuid

from sqlmodel import SQLModel

import domain.records  # noqa: F401  (registers every table)
from domain.records.ids import id_time_ms, new_id


def test_an_id_is_version_7_of_the_rfc_variant_and_carries_the_millisecond_it_was_made_in() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= id_time_ms(made) <= after
    assert uuid.UUID(str(made)) == made


def test_ids_of_a_later_millisecond_sort_after_earlier_ones() -> None:
    earlier = [new_id() for _ in range(50)]
    start = id_time_ms(earlier[-1])
    while time.time_ns() // 1_000_000 <= start:  # the clock itself, not a sleep: the next millisecond
        pass
    later = [new_id() for _ in range(50)]
    assert max(earlier) < min(later)
    assert sorted(earlier + later)[50:] == sorted(later)


def test_ids_are_distinct_and_their_random_part_varies_in_every_bit() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    random_bits = (1 << 80) - 1 & ~((0xF << 76) | (0x3 << 62))
    seen_set = seen_clear = 0
    for value in ids:
        seen_set |= value.int & random_bits
        seen_clear |= ~value.int & random_bits
    assert seen_set == random_bits  # every random bit was 1 in some id
    assert seen_clear == random_bits  # and 0 in some other
    assert all(v.int >> 76 & 0xF == 7 and v.int >> 62 & 0x3 == 0b10 for v in ids)


def test_every_table_whose_key_is_a_uuid_makes_it_with_new_id() -> None:
    checked = []
    for mapper in SQLModel._sa_registry.mappers:
        model = mapper.class_
        key = mapper.local_table.primary_key.columns
        if len(key) != 1:
            continue
        name = next(iter(key)).key
        field = model.model_fields.get(name)
        if field is None or field.annotation is not uuid.UUID or field.is_required():
            continue  # not a uuid, or another row's id (an email's content shares the email's)
        checked.append(model.__name__)
        assert field.default_factory is new_id, model.__name__
    assert {"OutboundEmail", "OutboundRecipient", "OutboundAttachment", "EmailMessage", "MailAccount"} <= set(checked)
