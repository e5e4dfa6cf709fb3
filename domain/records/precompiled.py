"""Running a hot Core statement compiled once, on the connection's DBAPI cursor.

The send path's few statements are built once (each module's `lru_cache`), yet every
`Connection.execute` of one still walks the whole statement to compute its cache key, builds an
execution context and a result's metadata: for the claim's read, twice the CPU of the psycopg call
itself. Here each statement is compiled once per dialect with SQLAlchemy's own compiler, and its
binds and result columns go through the same type processors SQLAlchemy would apply (UTC
datetimes, enums, JSON, history ids), so the rows are the ones `execute` gives, as plain tuples,
on PostgreSQL as on SQLite.

On psycopg, the statement runs on a raw cursor, with PostgreSQL's own `$n` placeholders written
once here: a cursor parses a `%(name)s` query at every execution, from its cache only for one of
at most 4096 bytes and 50 parameters, and a new email's one INSERT (72 of them) cost 150 us a
request to parse anew.

A connection with cursor-event listeners (tracing, the tests that count statements) is served by
`Connection.execute` instead: every listener sees the same statements, with the context it expects.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass
class _Compiled:
    """One statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...]
    """Every bind's name, in the order a positional paramstyle (or `$n`) binds them."""
    positional: bool
    """Bound as a sequence: a positional paramstyle (SQLite's), or `$n` on a raw cursor."""
    raw: bool
    """Run on psycopg's raw cursor (`sql` has `$n` placeholders)."""
    fixed: dict[str, Any]
    """The values bound in the statement itself (a literal compared with, say)."""
    binds: dict[str, Processor]
    types: tuple[Any, ...]
    """The result columns' SQLAlchemy types, for their processors (none: it returns no rows)."""
    results: list[Processor | None] | None = field(default=None)
    """The result columns' processors, known after the first execution (they depend on the
    DBAPI's type codes, which cursor.description gives)."""


_compiled: weakref.WeakKeyDictionary[ClauseElement, dict[str, _Compiled | None]] = weakref.WeakKeyDictionary()


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled | None:
    """The statement compiled for `dialect`; None if it needs what only `execute` does (an
    expanding IN, a literal rendered at execution time)."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    escaped: dict[str, str] = compiled.escaped_bind_names or {}
    names, fixed = [], {}
    for bind, name in compiled.bind_names.items():
        if bind.callable is not None or escaped.get(name, name) != name:
            return None
        names.append(name)
        if not bind.required:
            fixed[name] = bind.value
    binds: dict[str, Processor] = {}
    for name, process in compiled._bind_processors.items():
        if not callable(process):  # a tuple type's, one per element: none is used here
            return None
        binds[name] = process
    sql, order = compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else tuple(names)
    raw = dialect.driver == "psycopg" and dialect.paramstyle == "pyformat"
    if raw:
        sql, order = _numbered(sql)
    return _Compiled(
        sql,
        order,
        compiled.positional or raw,
        raw,
        fixed,
        binds,
        tuple(column.type for column in compiled._result_columns),
    )


_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")


def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """A pyformat statement with `$n` placeholders instead (a name bound twice keeps its number),
    and the names in their numbers' order."""
    order: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        return f"${order.setdefault(name, len(order) + 1)}"

    return _PYFORMAT.sub(number, sql), tuple(order)


def _cursor(connection: Connection, raw: bool) -> Any:
    """A DBAPI cursor of the connection; psycopg's raw one (through SQLAlchemy's adapter when async)."""
    if not raw:
        return connection.connection.cursor()
    import psycopg

    driver = connection.connection.driver_connection
    if isinstance(driver, psycopg.Connection):
        return psycopg.RawCursor(driver)
    return _async_raw_cursor()(connection.connection.dbapi_connection)


@lru_cache(maxsize=1)
def _async_raw_cursor() -> type:
    """SQLAlchemy's cursor adapter for asyncio psycopg, over psycopg's raw cursor (built on first
    use: only the API's engine is asynchronous)."""
    import psycopg
    from sqlalchemy.dialects.postgresql.psycopg import AsyncAdapt_psycopg_cursor

    class AsyncRawCursor(AsyncAdapt_psycopg_cursor):
        __slots__ = ()

        def _make_new_cursor(self, connection: Any) -> Any:
            return psycopg.AsyncRawCursor(connection)

    return AsyncRawCursor


def _for(statement: ClauseElement, dialect: Dialect) -> _Compiled | None:
    by_dialect = _compiled.setdefault(statement, {})
    if dialect.name not in by_dialect:
        by_dialect[dialect.name] = _compile(statement, dialect)
    return by_dialect[dialect.name]


def execute(connection: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Run `statement` with `params` in the connection's transaction; its rows (none without any)."""
    compiled = _for(statement, connection.dialect)
    if compiled is None or connection._has_events or connection.engine._has_events or not connection.in_transaction():
        result = connection.execute(statement, params)  # type: ignore[call-overload]
        return [tuple(row) for row in result.all()] if result.returns_rows else []
    values = {**compiled.fixed, **params}
    for name, process in compiled.binds.items():
        values[name] = process(values[name])
    bound: Sequence[Any] | Mapping[str, Any] = (
        tuple(values[name] for name in compiled.names) if compiled.positional else values
    )
    cursor = _cursor(connection, compiled.raw)
    try:
        # Through SQLAlchemy's own last step: a DBAPI error leaves as SQLAlchemy's (IntegrityError...).
        connection._cursor_execute(cursor, compiled.sql, bound)
        if not compiled.types:
            return []
        rows = cursor.fetchall()
        if compiled.results is None:  # cursor.description builds an object per column: read it once
            compiled.results = [
                type_._cached_result_processor(connection.dialect, column[1])
                for type_, column in zip(compiled.types, cursor.description, strict=True)
            ]
        processors = compiled.results
        if not any(processors):
            return [tuple(row) for row in rows]
        return [
            tuple(value if process is None else process(value) for process, value in zip(processors, row, strict=True))
            for row in rows
        ]
    finally:
        cursor.close()
