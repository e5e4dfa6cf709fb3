"""A request's executor, context and session are freed as it ends, not left to the cyclic collector.

graphql-core's executor refers to itself unless its helpers hold it weakly (api.sharing.weak_helpers); so, nothing a sendEmail
builds stays behind in a reference cycle, so the collector's young collections find nothing of
its. (A document's first validation leaves cycles of its own: the document is warmed first.)
"""

from __future__ import annotations

import gc
from typing import Any

from api.context import Context
from api.sharing import SharingExecutor
from tests.factories import Tenant, gql, make_tenant

SEND = """mutation($i: SendEmailInput!) { sendEmail(input: $i) {
  __typename ... on EmailQueued { outboundEmail { id subject } } ... on MutationError { code message } } }"""


def alive() -> list[object]:
    return [o for o in gc.get_objects() if isinstance(o, SharingExecutor | Context)]


async def send(client: Any, tenant: Tenant, n: int) -> None:
    new = {"accountId": str(tenant.account_id), "to": [f"r{n}@example.com"], "subject": f"#{n}", "bodyText": "Hi"}
    sent = await gql(client, SEND, {"i": new}, tenant.token)
    assert sent["data"]["sendEmail"]["outboundEmail"]["subject"] == f"#{n}", sent


async def test_a_send_leaves_no_executor_or_context_to_the_collector(client: Any, settings: Any) -> None:
    tenant = make_tenant()
    await send(client, tenant, 0)  # the document parsed and validated, the token cached
    gc.collect()
    gc.disable()
    try:
        before = alive()  # other tests' (still referenced), held so that no new object takes their id
        await send(client, tenant, 1)
        await send(client, tenant, 2)
        known = {id(o) for o in before}
        assert [type(o).__name__ for o in alive() if id(o) not in known] == []
    finally:
        gc.enable()
