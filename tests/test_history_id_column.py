"""Gmail history ids are uint64: stored and compared without overflow on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from domain.records import MailAccount
from domain.settings import Settings
from tests.factories import make_tenant
from tests.test_migrations import alembic_config
from workers.db import make_engine, session_scope

TOP = 2**64 - 1


def test_postgresql_keeps_history_ids_up_to_2_to_the_64_minus_1_and_compares_them_as_numbers(db: str) -> None:
    ids = {make_tenant(history_id=value).account_id: value for value in (TOP, 2**63 + 1, 2**63 - 1, 10)}
    with session_scope() as session:
        rows = session.exec(select(MailAccount).order_by(col(MailAccount.history_id))).all()
        assert [(row.id, row.history_id) for row in rows] == sorted(ids.items(), key=lambda item: item[1])
        above = session.exec(select(MailAccount.history_id).where(col(MailAccount.history_id) > 2**63)).all()
        assert sorted(above) == [2**63 + 1, TOP]


@pytest.mark.parametrize("value", [-1, 2**64, True])
def test_a_history_id_outside_uint64_is_refused_and_nothing_is_stored(db: str, value: int) -> None:
    with pytest.raises(StatementError, match="a history id is an integer from 0 to 2\\*\\*64 - 1"):
        make_tenant(history_id=value)
    with session_scope() as session:
        assert session.exec(select(MailAccount)).all() == []


def test_the_sqlite_migration_keeps_stored_ids_and_then_holds_uint64_in_numeric_order(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path}/embedded.db"))
    config = alembic_config()
    org = str(uuid.uuid4())
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
            connection.execute(
                text("INSERT INTO organization (id, name, created_at) VALUES (:id, 'o', CURRENT_TIMESTAMP)"),
                {"id": org.replace("-", "")},
            )
            for n, value in enumerate((987654, None, 2**63 - 1)):
                connection.execute(
                    text(
                        "INSERT INTO mail_account (id, organization_id, email, provider, state, scopes, history_id,"
                        " created_at, updated_at) VALUES (:id, :org, :email, 'gmail', 'ACTIVE', '[]', :history,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": uuid.uuid4().hex, "org": org.replace("-", ""), "email": f"a{n}@x.test", "history": value},
                )
            command.upgrade(config, "head")
        with Session(engine) as session:
            kept = session.exec(select(MailAccount.email, MailAccount.history_id).order_by(col(MailAccount.email)))
            assert list(kept) == [("a0@x.test", 987654), ("a1@x.test", None), ("a2@x.test", 2**63 - 1)]
            account = session.exec(select(MailAccount).where(MailAccount.email == "a1@x.test")).one()
            account.history_id = TOP
            session.add(account)
            session.commit()
            ordered = session.exec(select(MailAccount.history_id).order_by(col(MailAccount.history_id))).all()
            assert ordered == [987654, 2**63 - 1, TOP]
            above = session.exec(select(MailAccount.email).where(col(MailAccount.history_id) > 2**63)).all()
            assert above == ["a1@x.test"]
    finally:
        engine.dispose()
