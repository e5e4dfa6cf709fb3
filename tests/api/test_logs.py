"""Logs: a client's mistake is one quiet line, a bug keeps its traceback, user data never rides along."""

from __future__ import annotations

import logging

import psycopg
import pytest
import sqlalchemy
from sqlalchemy.exc import DBAPIError

from tests.factories import Tenant, gql, make_tenant


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


async def test_a_client_mistake_is_logged_at_info_without_a_traceback(client, tenant, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="mailtrail.api"):
        await gql(client, "query { outboundEmails(first: -5) { totalCount } }", token=tenant.token)
        await gql(client, "query { nope }", token=tenant.token)
    records = [r for r in caplog.records if r.name == "mailtrail.api"]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO], records
    assert all(r.exc_info is None for r in records)
    assert "first must be between 0 and 100" in records[0].getMessage()


async def test_a_bug_is_logged_at_error_with_its_traceback(client, tenant, db, caplog) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(db) as conn:  # a row our code cannot render: an unknown status
        conn.execute(
            """INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject, status,
               allow_suppressed, attempt_count, created_at, updated_at)
               VALUES (gen_random_uuid(), %s, %s, 'a@x.com', '[]', '[]', '[]', 's', 'BOGUS', false, 0, now(), now())""",
            (tenant.organization_id, tenant.account_id),
        )
    with caplog.at_level(logging.INFO, logger="mailtrail.api"):
        body = await gql(client, "{ outboundEmails { edges { node { status } } } }", token=tenant.token)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    (record,) = [r for r in caplog.records if r.name == "mailtrail.api" and r.levelno == logging.ERROR]
    assert record.exc_info is not None and "BOGUS" in str(record.exc_info[1])


def test_a_failed_statement_never_shows_the_values_bound_into_it(settings) -> None:  # type: ignore[no-untyped-def]
    from workers.db import make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError, match="parameters hidden") as failure:
            connection.execute(sqlalchemy.text("SELECT CAST(:v AS text), 1 / 0"), {"v": "secret-subject-line"})
    finally:
        engine.dispose()
    assert "secret-subject-line" not in str(failure.value)
