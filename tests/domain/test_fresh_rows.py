"""A row built by `fresh` (domain/records/fresh.py) is the row its constructor builds.

Random subsets of each model's fields get random values of their own type; the row built both ways
must have the same dict (values and order), the same pydantic bookkeeping and the same SQLAlchemy
history (what the unit of work and domain/records/at_once.py read to write it).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, get_args

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from domain.records import OutboundEmail, OutboundEmailEvent, OutboundRecipient
from domain.records.fresh import fresh

MODELS = (OutboundEmail, OutboundRecipient, OutboundEmailEvent)


def sample(annotation: Any, rng: random.Random) -> Any:
    options = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    kind = rng.choice(options)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return rng.choice(list(kind))
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is datetime:
        return datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**6))
    if kind is bool:
        return rng.random() < 0.5
    if kind is int:
        return rng.randint(0, 9)
    if kind is str:
        return rng.choice(["", "a@example.com", "Invoice"])
    return rng.choice([[], ["a@example.com"], {}, {"k": 1}])


def values_for(model: type[SQLModel], rng: random.Random) -> dict[str, Any]:
    return {
        name: None if (not field.is_required() and rng.random() < 0.1) else sample(field.annotation, rng)
        for name, field in model.model_fields.items()
        if field.is_required() or rng.random() < 0.5
    }


def snapshot(row: SQLModel) -> tuple[Any, ...]:
    state = inspect(row)
    values = {k: v for k, v in row.__dict__.items() if k != "_sa_instance_state"}
    return (
        list(values.items()),
        row.__pydantic_fields_set__,
        row.__pydantic_extra__,
        row.__pydantic_private__,
        dict(state.committed_state),
        state.modified,
        state.transient,
        set(state.expired_attributes),
    )


def without_factory_values(values: dict[str, Any], model: type[SQLModel]) -> dict[str, Any]:
    """Fields with a default factory (ids, times) are given, so both rows get the same value."""
    for name, field in model.model_fields.items():
        if field.default_factory is not None and name not in values:
            values[name] = field.get_default(call_default_factory=True)
    return values


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("seed", range(60))
def test_a_fresh_row_is_the_constructed_row(model: type[SQLModel], seed: int) -> None:
    values = without_factory_values(values_for(model, random.Random(seed)), model)
    assert snapshot(fresh(model, **values)) == snapshot(model(**values))


def test_a_row_given_no_factory_value_gets_one_of_its_own() -> None:
    first = fresh(OutboundRecipient, organization_id=uuid.uuid4(), email_id=uuid.uuid4(), address="a", role="to")
    second = fresh(OutboundRecipient, organization_id=uuid.uuid4(), email_id=uuid.uuid4(), address="a", role="to")
    assert first.id != second.id and "id" not in first.__pydantic_fields_set__


def test_a_model_it_cannot_build_the_same_way_is_constructed() -> None:
    class Loose(SQLModel):  # no table: pydantic validates it, so `fresh` must not skip that
        name: int

    assert fresh(Loose, name="3").name == 3
