"""The plans PostgreSQL runs for the worker's send statements, read with auto_explain.

Each statement is prepared after a few runs and then executed with a generic plan (its parameters
unknown to the planner): these force that plan from the first run and read it from the server's
log lines, which `client_min_messages = log` sends to this connection as notices.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from domain.dispatch import Outcome
from domain.dispatch.outcomes import Outcomes
from domain.gateway import SentMessage
from domain.settings import get_settings
from tests.e2e.helpers import email_row
from tests.e2e.test_send_control import queue
from tests.factories import make_connected_tenant
from workers import runtime


@contextlib.contextmanager
def explaining_engine() -> Iterator[tuple[Engine, list[str]]]:
    """An engine whose connections log the generic plan of every statement they run."""
    plans: list[str] = []
    engine = create_engine(get_settings().sync_database_url(), pool_size=1)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
        with dbapi_connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute("SET auto_explain.log_min_duration = 0")
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.execute("SET client_min_messages = log")
        dbapi_connection.commit()

    try:
        yield engine, plans
    finally:
        engine.dispose()


def sessions_of(engine: Engine) -> Callable[[], contextlib.AbstractContextManager[Session]]:
    """Sessions on `engine`, committed on exit, as the workers' session_scope gives them."""

    @contextlib.contextmanager
    def sessions() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    return sessions


def test_recording_a_send_enters_by_the_email_id_however_many_emails_are_pending(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    pending = [queue(tenant, to=f"r{n}@example.com") for n in range(40)]
    with explaining_engine() as (engine, plans):
        outcomes = Outcomes(sessions_of(engine), runtime.policy(get_settings()))
        result = outcomes.record_sent(pending[7], SentMessage("m-7", "t-7", ("SENT",)), "<h7@mail.gmail.com>", False)

    assert result.outcome == Outcome.SENT
    assert email_row(pending[7]).status.value == "SENT"
    (plan,) = [text for text in plans if "UPDATE outbound_email SET status" in text]
    assert "outbound_email_pkey" in plan, plan
    assert "ix_outbound_email_due" not in plan, plan
