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
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy import inspect as inspect_mapper
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel


def _values(row: SQLModel, table: Table) -> dict[str, Any]:
    """The row's column values; an unset identity column is left to the database."""
    mapper = inspect_mapper(type(row))
    values = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        value = getattr(row, prop.key)
        if value is None and column.identity is not None:
            continue
        values[column.name] = value
    return values


def statement(rows: Sequence[SQLModel]) -> Insert:
    """One INSERT for `rows` (each table's rows contiguous, tables in order of first appearance)."""
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for row in rows:
        table = row.__table__  # type: ignore[attr-defined]
        by_table.setdefault(table, []).append(_values(row, table))
    inserts = [insert(table).values(values) for table, values in by_table.items()]
    *first, last = inserts
    for n, clause in enumerate(first):
        last = last.add_cte(clause.cte(f"written_{n}"))
    return last


def insert_at_once(session: Session, rows: Sequence[SQLModel]) -> None:
    """Write `rows` (new objects, already added to `session` or not) in one statement."""
    session.connection().execute(statement(rows))
    for row in rows:
        if row in session:
            session.expunge(row)
        if inspect_mapper(row).mapper.identity_key_from_instance(row)[1][0] is not None:
            make_transient_to_detached(row)
            session.add(row)
