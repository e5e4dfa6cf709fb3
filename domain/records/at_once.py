"""Inserting a few new rows of several tables in one PostgreSQL statement, past the unit of work.

sendEmail writes a new email, its recipients' rows and its events. Through the ORM that is three
INSERTs (the email first, flushed alone: no relationship() orders the tables) and the unit of
work's bookkeeping, about a fifth of the API's CPU for the request. Here they are one statement:
each table's rows are a data-modifying WITH clause, in the order given (PostgreSQL checks the
foreign keys at the end of the statement, when every row is there).

The objects stay in the session as if loaded: the rows with a primary key of their own become
persistent (a later change to one is an UPDATE), the others (events, whose `seq` the database
numbers) leave it. Only for new objects of tables without server-side defaults but an identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert, select, union_all
from sqlalchemy import inspect as inspect_mapper
from sqlalchemy.orm import InstanceState
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Session, SQLModel

from domain.records import precompiled


@lru_cache(maxsize=32)
def _columns(model: type[SQLModel]) -> tuple[tuple[str, str, bool], ...]:
    """Each column attribute of `model`: its key, its column's name, whether it is an identity."""
    return tuple(
        (prop.key, prop.columns[0].name, prop.columns[0].identity is not None)
        for prop in inspect_mapper(model).column_attrs
    )


def _values(row: SQLModel) -> dict[str, Any]:
    """The row's column values; an unset identity column is left to the database.

    Read from the instance's dict (a new object has every field set there) rather than through
    each attribute's descriptor: a sendEmail reads some ninety of them."""
    state, values = row.__dict__, {}
    for key, name, identity in _columns(type(row)):
        value = state[key] if key in state else getattr(row, key)
        if value is None and identity:
            continue
        values[name] = value
    return values


Shape = tuple[tuple[Table, tuple[str, ...], int], ...]
"""Each table's columns and number of rows, in the order the statement writes them."""


@lru_cache(maxsize=64)
def statement(shape: Shape) -> Insert:
    """The INSERT for rows of `shape`, built once per shape (then SQLAlchemy compiles it once too);
    the value of column `c` of the `i`-th row of the `t`-th table is bound as `w{t}_{i}_{c}`."""
    inserts = []
    for t, (table, columns, count) in enumerate(shape):
        rows = [[bindparam(f"w{t}_{i}_{c}", type_=table.c[c].type) for c in columns] for i in range(count)]
        if count == 1:
            inserts.append(insert(table).values(dict(zip(columns, rows[0], strict=True))))
        else:  # not values([...]): SQLAlchemy does not cache a multi-row VALUES, it compiles it each time
            inserts.append(insert(table).from_select(list(columns), union_all(*(select(*row) for row in rows))))
    *first, last = inserts
    for n, clause in enumerate(first):
        last = last.add_cte(clause.cte(f"written_{n}"))
    return last


def bound(rows: Sequence[SQLModel]) -> tuple[Shape, dict[str, Any]]:
    """The shape of `rows` (each table's rows contiguous, tables in order of first appearance) and
    their values as `statement(shape)` binds them."""
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for row in rows:
        by_table.setdefault(row.__table__, []).append(_values(row))  # type: ignore[attr-defined]
    shape: list[tuple[Table, tuple[str, ...], int]] = []
    params: dict[str, Any] = {}
    for t, (table, values) in enumerate(by_table.items()):
        columns = tuple(values[0])
        if any(tuple(v) != columns for v in values):
            raise ValueError(f"rows of {table.name} set different columns")
        shape.append((table, columns, len(values)))
        for i, row_values in enumerate(values):
            params.update({f"w{t}_{i}_{c}": value for c, value in row_values.items()})
    return tuple(shape), params


def insert_at_once(session: Session, rows: Sequence[SQLModel]) -> None:
    """Write `rows` (new objects, already added to `session` or not) in one statement."""
    shape, params = bound(rows)
    precompiled.execute(session.connection(), statement(shape), params)
    settle(session, rows)


def settle(session: Session, rows: Sequence[SQLModel]) -> None:
    """After their INSERT: the rows with a primary key of their own persistent in `session`, the
    others out of it.

    The keyed rows are registered as the unit of work registers the rows a flush inserted
    (Session._register_persistent: identity key, identity map, nothing modified, pending no more);
    the public way round (expunge, make_transient_to_detached, add: each walking the mapper's
    cascades) cost some 30 us of a sendEmail for its two keyed rows. Like a flush's rows, they are
    then new in the session's transaction: a rollback expunges them rather than expiring them.
    tests/domain/test_settled_rows.py compares both ways on generated rows.
    """
    keyed: set[InstanceState[Any]] = set()
    for row in rows:
        state = instance_state(row)
        if state.mapper._identity_key_from_state(state)[1][0] is None:
            if row in session:
                session.expunge(row)
            continue
        if row not in session:
            session.add(row)
        keyed.add(state)
    if keyed:
        session._register_persistent(keyed)
