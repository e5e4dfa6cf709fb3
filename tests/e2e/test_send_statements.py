"""How many SQL statements and commits one email costs, from sendEmail to SENT (issue 16).

The send path's CPU is mostly round trips to PostgreSQL and Gmail; these pin the counts so a
re-read or an extra commit fails review, as tests/api/test_listing.py pins the page's.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event

from domain.dispatch import Dispatcher, Outcome
from domain.settings import get_settings
from tests.e2e.helpers import email_row, send
from tests.factories import Tenant, make_connected_tenant
from workers import runtime
from workers.db import get_engine, session_scope


@dataclass
class Traffic:
    """The statements an engine ran and the transactions it committed."""

    statements: list[str] = field(default_factory=list)
    commits: int = 0
    blocks: list[bool] = field(default_factory=list)
    """For each statement, whether it ran in a transaction block (psycopg sent a BEGIN, and a
    COMMIT follows: two round trips more), rather than committed on its own."""


@contextlib.contextmanager
def traffic_of(engine: Engine) -> Iterator[Traffic]:
    seen = Traffic()

    def statement(conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.statements.append(sql)
        seen.blocks.append(not conn.connection.dbapi_connection.autocommit)

    def commit(_conn: Any) -> None:
        seen.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def dispatcher() -> Dispatcher:
    return Dispatcher(
        sessions=session_scope,
        gateway=runtime.gateway(),
        decrypt=runtime.cipher().decrypt,
        policy=runtime.policy(get_settings()),
    )


async def queue_one(client: Any, tenant: Tenant, n: int) -> uuid.UUID:
    result = await send(
        client, tenant.token, accountId=str(tenant.account_id), to=[f"r{n}@example.com"], subject=f"#{n}", bodyText="Hi"
    )
    assert result["__typename"] == "EmailQueued", result
    return uuid.UUID(result["outboundEmail"]["id"])


async def test_send_email_then_its_send_cost_few_statements_and_commits(client, app, tenant, gmail) -> None:
    await queue_one(client, tenant, 0)  # warm the token cache and the worker's Gmail client
    first = await queue_one(client, tenant, 1)
    assert dispatcher().send(first).outcome == Outcome.SENT
    with traffic_of(app.state.services.engine.sync_engine) as api:
        email_id = await queue_one(client, tenant, 2)
    with traffic_of(get_engine()) as worker:
        assert dispatcher().send(email_id).outcome == Outcome.SENT
    assert email_row(email_id).message_id_header
    # sendEmail: the account with the suppression probe (one outer join), then the email (written
    # PENDING at once), its recipient and its created and queued events in one INSERT; one commit.
    assert (len(api.statements), api.commits) == (2, 1), api.statements
    # The worker: the claim (one read with the budget marks and the suppression re-check, then
    # the attempt with its event in one statement, written only if the row is still the version
    # read) and the record (the conditional update, the recipients and the event in one
    # statement); each committed on its own, as exactly once needs (the claim must be durable
    # before Gmail is called), outside any transaction block: SQLAlchemy still reports a commit of
    # each session, which sends nothing.
    assert (len(worker.statements), worker.commits) == (3, 2), worker.statements
    assert worker.blocks == [False, False, False], worker.statements
    assert api.blocks == [False, False], api.statements
