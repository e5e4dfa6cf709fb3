"""The gate's `release` (api/gate.py) leaves a request's session as leaving `async with session` does.

Random requests' worth of session use (reads of rows, an autocommit connection, commits, rollbacks,
new rows written, in random order) run on two sessions of one engine; one is closed by `release`,
the other by `async with`. Both must end out of any transaction, with no object left in them, every
object they held detached with the same values, and their connections back in the pool.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from sqlmodel import select

from api.db import make_async_engine, make_sessionmaker
from api.gate import release
from domain.records import MailAccount, Organization
from tests.factories import make_tenant

STEPS = ("read", "autocommit", "commit", "rollback", "write")


async def use(session: Any, steps: list[str], org_id: uuid.UUID) -> list[Any]:
    """The steps on `session`; the objects it held."""
    held: list[Any] = []
    for step in steps:
        if step == "read":
            held.extend((await session.exec(select(MailAccount).where(MailAccount.organization_id == org_id))).all())
        elif step == "autocommit" and not session.in_transaction():
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        elif step == "commit":
            await session.commit()
        elif step == "rollback":
            await session.rollback()
        elif step == "write":
            row = Organization(name=f"release {uuid.uuid4().hex[:8]}")
            session.add(row)
            await session.flush()
            held.append(row)
    return held


def summary(session: Any, held: list[Any], engine: Any) -> tuple[Any, ...]:
    states = [(type(row).__name__, row.__dict__.get("name"), row in session) for row in held]
    return session.in_transaction(), len(session.identity_map), len(session.new), states, engine.pool.checkedout()


@pytest.mark.parametrize("seed", range(40))
async def test_release_ends_a_session_as_async_with_does(settings: Any, seed: int) -> None:
    rng = random.Random(seed)
    steps = [rng.choice(STEPS) for _ in range(rng.randint(0, 5))]
    tenant = make_tenant()
    engine = make_async_engine(settings)
    sessions = make_sessionmaker(engine)
    try:
        released = sessions()
        held = await use(released, steps, tenant.organization_id)
        await release(released)
        async with sessions() as plain:
            plain_held = await use(plain, steps, tenant.organization_id)
        assert [type(r) for r in held] == [type(r) for r in plain_held]
        got, want = summary(released, held, engine), summary(plain, plain_held, engine)
        assert got[:3] == want[:3] == (False, 0, 0)
        assert [s[0] for s in got[3]] == [s[0] for s in want[3]]
        assert all(not inside for _kind, _name, inside in got[3])
        assert got[4] == want[4] == 0
    finally:
        await engine.dispose()
