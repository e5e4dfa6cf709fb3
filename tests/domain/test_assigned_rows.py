"""Fields set by `assign` (domain/records/fresh.py) leave a row as setattr leaves it.

Rows of each model, new (transient or pending) or loaded (persistent, changed before or not), get
random fields set to random values, once by setattr one by one and once by `assign`; the rows' dict,
pydantic's fields set, SQLAlchemy's committed state and modified flag, and the session's new, dirty
and modified sets must agree.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlmodel import SQLModel

from domain.records import OutboundEmailEvent, OutboundRecipient
from domain.records.fresh import assign, fresh
from domain.records.tenancy import Organization
from tests.domain.test_fresh_rows import MODELS, sample, snapshot, values_for, without_factory_values


def placed(model: type[SQLModel], values: dict[str, Any], where: str, session: Session) -> Any:
    row = fresh(model, **values)
    if where == "pending":
        session.add(row)
    elif where in ("persistent", "persistent-changed"):
        make_transient_to_detached(row)
        session.add(row)
        if where == "persistent-changed":
            row.organization_id = values["organization_id"]
    return row


def session_sets(session: Session, row: Any) -> tuple[bool, bool, bool]:
    return row in session.new, row in session.dirty, inspect(row) in session.identity_map._modified


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("where", ["transient", "pending", "persistent", "persistent-changed"])
@pytest.mark.parametrize("seed", range(25))
def test_assigned_fields_are_the_fields_setattr_sets(model: type[SQLModel], where: str, seed: int) -> None:
    rng = random.Random(seed)
    values = without_factory_values(values_for(model, rng), model)
    if model is OutboundEmailEvent and where.startswith("persistent") and values.get("seq") is None:
        values["seq"] = rng.randint(1, 9)  # a loaded event has its number
    names = [n for n in model.model_fields if n not in ("id", "seq")]
    changes = {n: sample(model.model_fields[n].annotation, rng) for n in rng.sample(names, rng.randint(1, 6))}
    sessions = Session(), Session()
    one, two = placed(model, values, where, sessions[0]), placed(model, values, where, sessions[1])
    for name, value in changes.items():
        setattr(one, name, value)
    assign(two, **changes)
    assert snapshot(one) == snapshot(two)
    assert session_sets(sessions[0], one) == session_sets(sessions[1], two)


def test_a_loaded_rows_assigned_change_is_an_update() -> None:
    email = fresh(
        OutboundRecipient, **without_factory_values(values_for(OutboundRecipient, random.Random(1)), OutboundRecipient)
    )
    session = Session()
    make_transient_to_detached(email)
    session.add(email)
    assign(email, address="b@example.com")
    assert email in session.dirty
    assert inspect(email).attrs.address.history.added == ["b@example.com"]


def test_a_model_fresh_never_built_is_set_by_setattr() -> None:
    row = Organization(name="before")
    assign(row, name="after")
    assert row.name == "after"
    assert inspect(row).attrs.name.history.added == ["after"]
