"""DataLoaders, built per request: one SQL statement per batch, results in key order."""

from __future__ import annotations

import asyncio
import functools
import uuid
import weakref
from collections import defaultdict, namedtuple
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import psycopg
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import ColumnElement, Dialect, Select, Text, any_, bindparam, cast, func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import UserDefinedType
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from domain.quota import DAY
from domain.records import (
    EmailMessage,
    MailAccount,
    OutboundAttachment,
    OutboundEmail,
    OutboundEmailContent,
    OutboundEmailEvent,
    OutboundRecipient,
    utcnow,
)


def table_rows(record: type[SQLModel], columns: tuple[str, ...] | None = None) -> Select[Any]:
    """Select every column of `record`'s table (or those named), to be read with `Loaders.fetch_rows`."""
    table = record.__table__  # type: ignore[attr-defined]
    return sa_select(*(table.columns if columns is None else [table.columns[c] for c in columns]))


@functools.cache
def row_type(record: type[SQLModel], columns: tuple[str, ...] | None = None) -> type[tuple[Any, ...]]:
    """A named tuple with the columns of `record`'s table (or those named), in `table_rows` order."""
    names = [c.key for c in record.__table__.columns] if columns is None else list(columns)  # type: ignore[attr-defined]
    return namedtuple(f"{record.__name__}Row", names)


T = TypeVar("T", bound=SQLModel)
K = TypeVar("K")
V = TypeVar("V")


def batched(loaders: Loaders, load: Callable[[Loaders, list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
    """A DataLoader running `load` on `loaders`, which it holds weakly.

    With a bound method (`DataLoader(loaders._events)`), loaders -> loader -> method -> loaders
    was a reference cycle: the request's loaders, with every future, row and UUID their caches
    hold (about 2,400 objects on a 100-email page), outlived the request until the cycle
    collector found them, and its collections then cost about a tenth of the page's CPU. Without
    the cycle they are freed as the request drops its context. The loaders outlive their batches:
    whoever loads holds them (a request's context, an update's email).
    """
    return DataLoader(functools.partial(load, weakref.proxy(loaders)))


class EventRow(NamedTuple):
    """An audit event as a page lists it: its `data` still JSON text, decoded only if asked for."""

    seq: int
    email_id: uuid.UUID
    kind: str
    at: datetime
    actor: str
    data_json: str


def event_rows() -> Select[Any]:
    """The columns of an `EventRow`, in order; JSONB read as text skips a JSON decode per event nobody may ask about."""
    E = OutboundEmailEvent
    columns: list[Any] = [col(E.seq), col(E.email_id), col(E.kind), col(E.at), col(E.actor), cast(col(E.data), Text)]
    return sa_select(*columns).order_by(col(E.seq))


class BinaryIds(list[uuid.UUID]):
    """A batch's ids, which psycopg sends as a binary `uuid[]` (registered below).

    psycopg's choice for a list of UUIDs is its text array: each id written out as text and
    searched by a regular expression for characters to quote, 137 us for a hundred ids against
    25 us in binary (each id's 16 bytes); a page binds two such batches.
    """


psycopg.adapters.register_dumper(BinaryIds, ListBinaryDumper)


class IdArray(UserDefinedType[list[uuid.UUID]]):
    """PostgreSQL's `uuid[]` for a batch's ids, bound as `BinaryIds`.

    SQLAlchemy's `ARRAY(Uuid())` copies a bound list into a plain list, which psycopg writes as text.
    """

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "UUID[]"

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return BinaryIds if dialect.driver == "psycopg" else None


def batch_member(column: Any, postgres: bool) -> ColumnElement[bool]:
    """`column` among the `:ids` parameter: `= ANY(:ids)` on PostgreSQL (see `Loaders.among`), else `IN`."""
    if postgres:
        return column == any_(bindparam("ids", type_=IdArray()))  # type: ignore[no-any-return]
    return column.in_(bindparam("ids", expanding=True))  # type: ignore[no-any-return]


@functools.cache
def events_of_emails(postgres: bool) -> Select[Any]:
    """The events of the `:ids` emails of `:organization_id`, built once: a statement built per
    batch costs its construction and cache-key walk (about a third of a page's batch)."""
    E = OutboundEmailEvent
    return event_rows().where(
        batch_member(col(E.email_id), postgres), col(E.organization_id) == bindparam("organization_id")
    )


@functools.cache
def recipients_of_emails(postgres: bool) -> Select[Any]:
    """The recipients of the `:ids` emails of `:organization_id`, in order; built once (`events_of_emails`)."""
    R = OutboundRecipient
    return (
        table_rows(R)
        .where(batch_member(col(R.email_id), postgres), col(R.organization_id) == bindparam("organization_id"))
        .order_by(col(R.email_id), col(R.position))
    )


@dataclass
class Loaders:
    """Every loader of one request; rows are always filtered to the caller's organization."""

    session: AsyncSession
    organization_id: uuid.UUID
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reads_only: bool = False
    """Set for a query operation (api.schema.queries_without_transaction): its reads run in autocommit."""

    def __post_init__(self) -> None:
        bind = self.session.bind
        self.postgres = bind is not None and bind.dialect.name == "postgresql"

    # Each loader is made on first use: a request uses few of them or none (a sendEmail), and
    # making all eight was ~20 us of every request and every subscription update. Each holds
    # these loaders weakly (`batched`).
    @functools.cached_property
    def account_by_id(self) -> DataLoader[uuid.UUID, MailAccount]:
        return batched(self, Loaders._accounts)

    @functools.cached_property
    def attachments_by_email_id(self) -> DataLoader[uuid.UUID, list[OutboundAttachment]]:
        return batched(self, Loaders._attachments)

    @functools.cached_property
    def events_by_email_id(self) -> DataLoader[uuid.UUID, list[EventRow]]:
        return batched(self, Loaders._events)

    @functools.cached_property
    def email_message_by_id(self) -> DataLoader[uuid.UUID, EmailMessage | None]:
        return batched(self, Loaders._email_messages)

    @functools.cached_property
    def related_messages_by_email_id(self) -> DataLoader[uuid.UUID, list[EmailMessage]]:
        return batched(self, Loaders._related_messages)

    @functools.cached_property
    def content_by_email_id(self) -> DataLoader[uuid.UUID, OutboundEmailContent | None]:
        return batched(self, Loaders._contents)

    @functools.cached_property
    def recipients_by_email_id(self) -> DataLoader[uuid.UUID, list[OutboundRecipient]]:
        return batched(self, Loaders._recipients)

    @functools.cached_property
    def sent_last_day_by_account_id(self) -> DataLoader[uuid.UUID, tuple[int, datetime | None]]:
        return batched(self, Loaders._sent_last_day)

    def among(self, column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
        """`column IN ids`; on PostgreSQL `column = ANY(:ids)`, one array parameter.

        A batch of a hundred keys as `IN (...)` is a hundred parameters and a statement text that
        changes with the batch size: psycopg re-parses such a query every time (it caches only
        those with at most 50 parameters) and never prepares it. One array keeps the text fixed.
        """
        if self.postgres:
            return column == any_(bindparam(None, list(ids), type_=IdArray()))  # type: ignore[no-any-return]
        return column.in_(ids)  # type: ignore[no-any-return]

    async def connection(self) -> AsyncConnection:
        """The session's connection; for a query on PostgreSQL, one in autocommit mode.

        A query's statements (the page, its count, one per loader batch) each read their own
        snapshot whether or not they share a transaction: READ COMMITTED, PostgreSQL's default and
        the engine's, takes a snapshot per statement. So BEGIN ... ROLLBACK around them bought no
        consistency, only two round trips per request. Queries write nothing (mutations commit
        through api.runner). Under REPEATABLE READ this would have to go.
        """
        session = self.session
        if self.reads_only and self.postgres and not session.in_transaction():
            return await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return await session.connection()

    async def fetch(self, statement: Any) -> list[Any]:
        """Run one statement. Sibling resolvers run concurrently, and one AsyncSession must not."""
        async with self.lock:
            await self.connection()
            return list(await self.session.exec(statement))

    async def fetch_scalars(self, statement: Any) -> list[Any]:
        """The first column of each row of a Core statement, without the ORM's execution path (`fetch`)."""
        async with self.lock:
            connection = await self.connection()
            return list((await connection.execute(statement)).scalars())

    async def fetch_rows(
        self,
        record: type[T],
        statement: Select[Any],
        columns: tuple[str, ...] | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> list[T]:
        """Rows of a `table_rows(record)` statement that read like the record, without an ORM instance each.

        A named tuple has the record's attribute names and values (the column types convert them
        alike), so read-only code (GraphQL types' `from_row`, resolvers reading `row.x`) takes it
        as the record; a SQLModel instance per row (identity map, instance state, pydantic's
        private attributes) cost a quarter of a 100-email page, and SQLAlchemy's own Row reads
        its attributes by name several times slower than a tuple. Never for rows to change.
        """
        make = row_type(record, columns)._make  # type: ignore[attr-defined]
        async with self.lock:
            # The session's own connection and transaction, without the ORM's execution path
            # (its compile state and row loading cost as much as the statement itself here).
            connection = await self.connection()
            result = await connection.execute(statement, parameters)
            return [make(row) for row in result]

    async def _accounts(self, ids: Sequence[uuid.UUID]) -> list[MailAccount]:
        rows = await self.fetch(
            select(MailAccount).where(
                self.among(col(MailAccount.id), ids), MailAccount.organization_id == self.organization_id
            )
        )
        by_id = {row.id: row for row in rows}
        return [by_id[i] for i in ids]

    async def _attachments(self, ids: Sequence[uuid.UUID]) -> list[list[OutboundAttachment]]:
        # Deferring `content` would still load it lazily per row; select only the listed columns.
        rows = await self.fetch(
            sa_select(
                col(OutboundAttachment.email_id),
                col(OutboundAttachment.filename),
                col(OutboundAttachment.content_type),
                col(OutboundAttachment.size),
                col(OutboundAttachment.position),
            )
            .where(self.among(col(OutboundAttachment.email_id), ids))
            .order_by(col(OutboundAttachment.position))
        )
        grouped: dict[uuid.UUID, list[OutboundAttachment]] = defaultdict(list)
        for email_id, filename, content_type, size, position in rows:
            grouped[email_id].append(
                OutboundAttachment(
                    email_id=email_id,
                    filename=filename,
                    content_type=content_type,
                    size=size,
                    position=position,
                    content=b"",
                )
            )
        return [grouped.get(i, []) for i in ids]

    async def _events(self, ids: Sequence[uuid.UUID]) -> list[list[EventRow]]:
        statement = events_of_emails(self.postgres)
        parameters = {"ids": list(ids), "organization_id": self.organization_id}
        make = EventRow._make
        async with self.lock:
            connection = await self.connection()
            result = await connection.execute(statement, parameters)
            rows = [make(row) for row in result]
        grouped: dict[int, list[EventRow]] = defaultdict(list)
        for row in rows:
            grouped[row.email_id.int].append(row)  # an int key: UUID's own hash and == are Python code
        return [grouped.get(i.int, []) for i in ids]

    async def _email_messages(self, ids: Sequence[uuid.UUID]) -> list[EmailMessage | None]:
        rows = await self.fetch(
            select(EmailMessage).where(
                self.among(col(EmailMessage.id), ids), EmailMessage.organization_id == self.organization_id
            )
        )
        by_id = {row.id: row for row in rows}
        return [by_id.get(i) for i in ids]

    async def _related_messages(self, ids: Sequence[uuid.UUID]) -> list[list[EmailMessage]]:
        rows = await self.fetch(
            select(EmailMessage)
            .where(
                self.among(col(EmailMessage.outbound_email_id), ids),
                EmailMessage.organization_id == self.organization_id,
            )
            .order_by(col(EmailMessage.created_at))
        )
        grouped: dict[uuid.UUID, list[EmailMessage]] = defaultdict(list)
        for row in rows:
            if row.outbound_email_id is not None:
                grouped[row.outbound_email_id].append(row)
        return [grouped.get(i, []) for i in ids]

    async def _contents(self, ids: Sequence[uuid.UUID]) -> list[OutboundEmailContent | None]:
        rows = await self.fetch(
            select(OutboundEmailContent).where(
                self.among(col(OutboundEmailContent.email_id), ids),
                OutboundEmailContent.organization_id == self.organization_id,
            )
        )
        by_id = {row.email_id: row for row in rows}
        return [by_id.get(i) for i in ids]

    async def _recipients(self, ids: Sequence[uuid.UUID]) -> list[list[OutboundRecipient]]:
        parameters = {"ids": list(ids), "organization_id": self.organization_id}
        rows = await self.fetch_rows(OutboundRecipient, recipients_of_emails(self.postgres), None, parameters)
        grouped: dict[int, list[OutboundRecipient]] = defaultdict(list)
        for row in rows:
            grouped[row.email_id.int].append(row)  # an int key: UUID's own hash and == are Python code
        return [grouped.get(i.int, []) for i in ids]

    async def _sent_last_day(self, ids: Sequence[uuid.UUID]) -> list[tuple[int, datetime | None]]:
        """How many emails each account sent in the rolling day, and the oldest of those sends."""
        E = OutboundEmail
        rows = await self.fetch(
            sa_select(col(E.account_id), func.count(), func.min(E.sent_at))
            .where(
                self.among(col(E.account_id), ids),
                col(E.organization_id) == self.organization_id,
                col(E.sent_at) > utcnow() - DAY,
            )
            .group_by(col(E.account_id))
        )
        found = {account_id: (int(count), oldest) for account_id, count, oldest in rows}
        return [found.get(i, (0, None)) for i in ids]
