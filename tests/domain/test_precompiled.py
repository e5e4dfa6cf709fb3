"""domain/records/precompiled.py gives the rows Connection.execute gives, on PostgreSQL (sync and
asyncio, through psycopg's raw cursor) and on the embedded mode's SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Connection, MetaData, String, Table, Uuid, bindparam, create_engine, event, insert
from sqlalchemy import select as select_row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from domain.lifecycle import EmailStatus
from domain.records import precompiled
from domain.records.types import UTCDateTime, enum_column

PROBE = Table(
    "precompiled_probe",
    MetaData(),
    Column("id", Uuid(), primary_key=True),
    Column("at", UTCDateTime()),
    Column("status", enum_column(EmailStatus)),
    Column("note", String(50)),
    prefixes=["TEMPORARY"],
)
WRITE = insert(PROBE).values(
    id=bindparam("b_id", type_=Uuid()),
    at=bindparam("b_at", type_=UTCDateTime()),
    status=bindparam("b_status"),
    note=bindparam("b_note", type_=String()),
)
_ID = bindparam("b_id", type_=Uuid())
READ = (
    select_row(PROBE.c.id, PROBE.c.at, PROBE.c.status, PROBE.c.note)
    .where(PROBE.c.id == _ID, PROBE.c.note.like("50%"), PROBE.c.id.in_([_ID]))  # a literal %, a bind used twice
    .where(PROBE.c.status == EmailStatus.PENDING)  # a value bound by the statement itself
)
PLUS_TWO = timezone(timedelta(hours=2))


def values(n: int) -> dict[str, Any]:
    return {
        "b_id": uuid.uuid4(),
        "b_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=PLUS_TWO) + timedelta(minutes=n),
        "b_status": EmailStatus.PENDING,
        "b_note": f"50% of {n}",
    }


def both_ways(conn: Connection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    PROBE.create(conn)
    written = values(1)
    assert precompiled.execute(conn, WRITE, written) == []
    fast = precompiled.execute(conn, READ, {"b_id": written["b_id"]})
    slow = [tuple(row) for row in conn.execute(READ, {"b_id": written["b_id"]})]
    return fast, slow, written


@pytest.fixture
def postgresql(db: str) -> Iterator[Connection]:
    engine = create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.fixture
def sqlite() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.mark.parametrize("name", ["postgresql", "sqlite"])
def test_the_rows_are_the_ones_execute_gives_with_their_types(name: str, request: pytest.FixtureRequest) -> None:
    conn = request.getfixturevalue(name)
    fast, slow, written = both_ways(conn)
    assert fast == slow == [(written["b_id"], written["b_at"], EmailStatus.PENDING, "50% of 1")]
    (_, at, status, _), *_ = fast
    assert at.tzinfo is UTC and isinstance(status, EmailStatus)


@pytest.mark.parametrize("name", ["postgresql", "sqlite"])
def test_a_refused_row_raises_sqlalchemys_integrity_error(name: str, request: pytest.FixtureRequest) -> None:
    conn = request.getfixturevalue(name)
    _fast, _slow, written = both_ways(conn)
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        precompiled.execute(conn, WRITE, {**values(2), "b_id": written["b_id"]})


def test_a_connection_with_cursor_listeners_sees_every_statement(postgresql: Connection) -> None:
    seen: list[str] = []
    event.listen(postgresql, "before_cursor_execute", lambda _c, _cur, sql, *_a: seen.append(sql))
    fast, slow, _written = both_ways(postgresql)
    assert fast == slow
    assert len(seen) == 4  # the table's CREATE, the INSERT, both SELECTs
    assert "%(b_id)s" in seen[2]  # through Connection.execute, as the listener expects


async def test_the_asyncio_engine_gives_the_same_rows(db: str) -> None:
    engine = create_async_engine(db.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        async with engine.connect() as conn:
            fast, slow, written = await conn.run_sync(both_ways)
    finally:
        await engine.dispose()
    assert fast == slow == [(written["b_id"], written["b_at"], EmailStatus.PENDING, "50% of 1")]
