"""A token asked about by many at once is looked up once: open subscriptions all look at their
token again when its cache entry lapses, and must not each queue a query for the pool."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event

from api.app import create_app
from api.auth import Principal
from tests.factories import make_tenant


async def test_concurrent_checks_of_one_token_make_one_lookup_and_agree(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    services = app.state.services
    tenant, stranger = make_tenant(), make_tenant()
    lookups: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "api_token" in statement:
            lookups.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        checks = await asyncio.gather(*(services.authenticator.check(tenant.token) for _ in range(50)))
        assert len(lookups) == 1
        assert {c.organization_id for c in checks if isinstance(c, Principal)} == {tenant.organization_id}
        assert all(isinstance(c, Principal) for c in checks)
        services.authenticator.forget()  # the entry lapses: the next crowd makes one lookup again
        mixed = await asyncio.gather(
            *(services.authenticator.check(t.token) for t in [tenant, stranger] * 20),
        )
        assert len(lookups) == 3  # one per token
        assert [c.organization_id for c in mixed[:2]] == [tenant.organization_id, stranger.organization_id]  # type: ignore[union-attr]
        refused = await asyncio.gather(*(services.authenticator.check("mt_" + "x" * 40) for _ in range(10)))
        assert all(not isinstance(r, Principal) for r in refused)
        assert len(lookups) == 4
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
        await services.engine.dispose()
