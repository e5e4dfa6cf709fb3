"""The claim's common case on PostgreSQL (domain/dispatch/claim.py `claim`): an unlocked read, then a
write made only if the email's row is still the version read. A row changed in between (another
worker's claim, a cancel) is decided the locked way; nothing is written twice, nothing is sent.
Real dispatcher, real PostgreSQL, the emulator."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import event

from domain.dispatch import Outcome
from domain.settings import get_settings
from tests.e2e.helpers import email_row, event_kinds
from tests.e2e.test_send_control import dispatcher, queue
from tests.factories import make_connected_tenant
from workers.db import get_engine


@contextlib.contextmanager
def after_the_claims_read(change: str, email_id: uuid.UUID) -> Iterator[list[str]]:
    """Run `change` on the email's row from another connection, committed, right after the
    claim's unlocked read (once); yields the statements the dispatcher ran."""
    ran: list[str] = []
    conninfo = get_settings().sync_database_url().replace("postgresql+psycopg://", "postgresql://")

    def after(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        ran.append(sql)
        if "xmin::text" in sql and sum("xmin::text" in s for s in ran) == 1:
            with psycopg.connect(conninfo, autocommit=True) as other:
                other.execute(change, {"id": email_id})

    event.listen(get_engine(), "after_cursor_execute", after)
    try:
        yield ran
    finally:
        event.remove(get_engine(), "after_cursor_execute", after)


def test_a_claim_taken_by_another_worker_after_the_read_is_not_taken_again(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    email_id = queue(tenant)
    theirs = uuid.uuid4()
    change = f"UPDATE outbound_email SET attempt_token = '{theirs}', attempt_started_at = now() WHERE id = %(id)s"
    with after_the_claims_read(change, email_id) as ran:
        result = dispatcher().send(email_id)
    assert result.outcome == Outcome.SKIPPED and "another worker" in result.detail
    assert sum("FOR UPDATE" in sql for sql in ran) == 1  # decided the locked way
    row = email_row(email_id)
    assert row.attempt_token == theirs and row.attempt_count == 0
    assert "attempt" not in event_kinds(email_id)
    assert len(gmail.messages(tenant.account_email, "SENT")) == 0


def test_an_email_cancelled_after_the_read_is_not_claimed_or_sent(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    email_id = queue(tenant)
    with after_the_claims_read("UPDATE outbound_email SET status = 'DRAFT' WHERE id = %(id)s", email_id):
        result = dispatcher().send(email_id)
    assert result.outcome == Outcome.SKIPPED
    assert email_row(email_id).attempt_token is None
    assert "attempt" not in event_kinds(email_id)
    assert len(gmail.messages(tenant.account_email, "SENT")) == 0


def test_an_untouched_row_is_claimed_at_once_and_sent(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    email_id = queue(tenant)
    with after_the_claims_read("SELECT %(id)s", email_id) as ran:  # reads only: the row stays as read
        assert dispatcher().send(email_id).outcome == Outcome.SENT
    assert not any("FOR UPDATE" in sql for sql in ran)
    assert event_kinds(email_id).count("attempt") == 1
    assert len(gmail.messages(tenant.account_email, "SENT")) == 1


def test_a_message_delivered_again_after_the_send_is_answered_from_the_one_unlocked_read(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    email_id = queue(tenant)
    assert dispatcher().send(email_id).outcome == Outcome.SENT
    with after_the_claims_read("SELECT %(id)s", email_id) as ran:
        again = dispatcher().send(email_id)  # the broker delivers at least once
    assert again.outcome == Outcome.SKIPPED and again.detail == "not pending"
    assert len(ran) == 1 and "FOR UPDATE" not in ran[0]
    assert len(gmail.messages(tenant.account_email, "SENT")) == 1
