"""Rows settled after their INSERT (domain/records/at_once.py `settle`) end as the public way left them.

Random emails with zero to three recipients and one to three events, each row added to the session
beforehand or not, with or without a primary key of its own, are settled twice: by `settle`, and by
the public calls it replaces (expunge, make_transient_to_detached, add). Each row's ORM state, the
session's new, dirty and identity map, and what a later change to a row makes of it must agree.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlmodel import SQLModel

from domain.records import OutboundEmail, OutboundEmailEvent, OutboundRecipient
from domain.records.at_once import settle
from domain.records.fresh import fresh
from tests.domain.test_fresh_rows import sample, values_for


def settle_publicly(session: Session, rows: Sequence[SQLModel]) -> None:
    """What insert_at_once did after its statement before `settle`."""
    for row in rows:
        if row in session:
            session.expunge(row)
        if inspect(row).mapper.identity_key_from_instance(row)[1][0] is not None:
            make_transient_to_detached(row)
            session.add(row)


def given(model: type[SQLModel], rng: random.Random) -> dict[str, Any]:
    """Random values, a default factory's field included (both builds of a row must be equal)."""
    values = values_for(model, rng)
    for name, field in model.model_fields.items():
        if name not in values and field.default_factory is not None:
            values[name] = sample(field.annotation, rng)
    return values


def generated(rng: random.Random) -> tuple[list[tuple[type[SQLModel], dict[str, Any]]], list[bool]]:
    """The rows of one written email (model and values) and whether each is in the session first."""
    email = given(OutboundEmail, rng)
    rows: list[tuple[type[SQLModel], dict[str, Any]]] = [(OutboundEmail, email)]
    for model, count in ((OutboundRecipient, rng.randint(0, 3)), (OutboundEmailEvent, rng.randint(1, 3))):
        for _ in range(count):
            values = given(model, rng)
            values["email_id"] = email["id"]
            if model is OutboundEmailEvent and rng.random() < 0.8:
                values["seq"] = None  # numbered by the database: the usual event
            rows.append((model, values))
    return rows, [rng.random() < 0.8 for _ in rows]


def built(session: Session, rows: list[tuple[type[SQLModel], dict[str, Any]]], added: list[bool]) -> list[Any]:
    made = [fresh(model, **values) for model, values in rows]
    session.add_all([row for row, add in zip(made, added, strict=True) if add])
    return made


def row_state(session: Session, row: Any) -> tuple[Any, ...]:
    state = inspect(row)
    return (
        row in session,
        state.key,
        (state.transient, state.pending, state.persistent, state.detached),
        dict(state.committed_state),
        set(state.expired_attributes),
        state.modified,
        set(state.unloaded),
        {key: value for key, value in state.dict.items() if key != "_sa_instance_state"},
    )


def session_state(session: Session) -> tuple[Any, ...]:
    return (
        {inspect(row).key or id(row) for row in session.new},
        {inspect(row).key for row in session.dirty},
        set(session.identity_map.keys()),
    )


@pytest.mark.parametrize("seed", range(200))
def test_settled_rows_match_the_public_calls(seed: int) -> None:
    rng = random.Random(seed)
    rows, added = generated(rng)
    sessions = Session(), Session()
    for session in sessions:
        session.begin()  # as in insert_at_once, whose statement began the session's transaction
    public, settled = built(sessions[0], rows, added), built(sessions[1], rows, added)
    settle_publicly(sessions[0], public)
    settle(sessions[1], settled)
    assert [row_state(sessions[0], row) for row in public] == [row_state(sessions[1], row) for row in settled]
    assert session_state(sessions[0]) == session_state(sessions[1])
    for session, made in zip(sessions, (public, settled), strict=True):
        for row in made:
            if row in session:
                row.organization_id = rows[0][1]["id"]  # any change: the row is dirty, an UPDATE
    assert session_state(sessions[0]) == session_state(sessions[1])
    assert [inspect(r).attrs.organization_id.history for r in public] == [
        inspect(r).attrs.organization_id.history for r in settled
    ]
    assert any(inspect(row).persistent for row in settled)
