"""The claim's read is planned once per connection, even for an account with a long history.

Its statement used to read the account's sends and attempts itself (an OFFSET known only at run
time, behind a CASE): PostgreSQL's generic plan for it then looked thousands of times dearer than a
custom one for any account with many sends, so every claim was planned anew (at a million emails,
about a third of PostgreSQL's CPU per sent email). Real PostgreSQL, statistics from ANALYZE.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
from sqlmodel import Session

from bench.seed import EMAILS
from domain.dispatch.claim_read import read
from domain.settings import get_settings
from tests.e2e.test_send_control import queue
from tests.factories import make_tenant
from workers import runtime
from workers.db import make_engine

READS = 15
"""psycopg prepares a statement after its 5th run; PostgreSQL tries 5 custom plans before a generic one."""


def test_the_claims_read_gets_a_generic_plan_for_an_account_of_many_sends(db: str) -> None:
    tenant = make_tenant("history")
    with psycopg.connect(db, autocommit=True) as conn:
        # 20,000 sent emails of the tenant's one account over the past 55 hours, and fresh statistics
        conn.execute(EMAILS, {"org": tenant.organization_id, "account": tenant.account_id, "count": 20_000})
        conn.execute("ANALYZE outbound_email")
    email_id = queue(tenant)
    policy = runtime.policy(get_settings())
    engine = make_engine(get_settings())  # a connection of its own: nothing prepared on it yet
    with engine.connect() as conn, Session(bind=conn) as session:
        for _ in range(READS):
            claim = read(session, email_id, datetime.now(UTC), policy, lock=False)
            assert claim is not None and claim.email.id == email_id
            assert claim.day_mark is None and claim.minute_mark is None  # far below cap and budget
        plans = (
            session.connection()
            .exec_driver_sql(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%%account_send_hour%%'"
            )
            .all()
        )
    engine.dispose()
    ((generic, custom),) = plans
    assert custom == 5
    assert generic == READS - 5 - 5  # 5 runs unprepared, 5 custom plans, then the generic one each time
