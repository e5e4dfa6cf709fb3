"""Account-level updates a frontend shows: needs re-authorisation, reconnected, watch expiring.
They arrive on `outboundEmailUpdates` subscriptions over the organization (narrowed by
`filter.accountId`), with the account as it is now and a null outboundEmail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from domain.records import MailAccount, OutboundEmailEvent
from domain.settings import get_settings
from tests.e2e.sockets import FROM_THE_START, GraphQLSocket
from tests.e2e.test_reauth_and_replies import reconnect, revoke
from tests.factories import Tenant, gql, make_connected_tenant
from workers import runtime
from workers.connect import renew_watches
from workers.db import session_scope

LIVE = """subscription($filter: OutboundEmailFilter, $since: String) {
  outboundEmailUpdates(filter: $filter, since: $since) {
  kind event emailId outboundEmail { id } mailAccount { id state stateReason watchExpiresAt watchError } } }"""


CAP = "mutation($id: ID!) { setDailySendCap(accountId: $id, cap: 100) { __typename } }"


@pytest.fixture
async def socket(live_api: str) -> AsyncIterator[GraphQLSocket]:
    opened = GraphQLSocket(live_api)
    yield opened
    await opened.close()


@pytest.fixture
def tenant(db: str, gmail, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def account_events(tenant: Tenant) -> list[str]:
    with session_scope() as session:
        return list(
            session.exec(
                select(OutboundEmailEvent.kind)
                .where(OutboundEmailEvent.email_id == tenant.account_id)
                .order_by(OutboundEmailEvent.seq)  # type: ignore[arg-type]
            )
        )


async def test_needing_reauth_and_reconnecting_reach_the_accounts_subscribers(client, tenant, gmail, socket) -> None:
    assert (await socket.open(tenant.token))["type"] == "connection_ack"
    # From the start of the (fresh) trail: what commits before the subscription is live is replayed.
    await socket.subscribe(LIVE, filter={"accountId": str(tenant.account_id)}, since=FROM_THE_START)
    revoke(gmail, tenant.account_email)
    assert renew_watches(get_settings(), session_scope, runtime.gateway(), runtime.cipher()) == 0  # invalid_grant
    update = await socket.next_update()
    assert (update["kind"], update["outboundEmail"], update["emailId"]) == (
        "ACCOUNT_NEEDS_REAUTH",
        None,
        str(tenant.account_id),
    )
    assert update["mailAccount"]["state"] == "NEEDS_REAUTH" and update["mailAccount"]["stateReason"]
    await reconnect(client, tenant)
    update = await socket.next_update()
    assert (update["kind"], update["mailAccount"]["state"]) == ("ACCOUNT_RECONNECTED", "ACTIVE")


async def test_a_watch_that_cannot_be_renewed_is_announced_once_before_it_expires(
    client, tenant, gmail, socket
) -> None:
    soon = datetime.now(UTC) + timedelta(hours=3)
    with session_scope() as session:
        row = session.get(MailAccount, tenant.account_id)
        row.watch_expires_at = soon
        session.add(row)
    assert (await socket.open(tenant.token))["type"] == "connection_ack"
    await socket.subscribe(LIVE, since=FROM_THE_START)  # the whole organization
    settings = get_settings()
    for _ in range(2):
        gmail.queue_fault("users.watch", status=500, reason="backendError", message="Backend Error")
        assert renew_watches(settings, session_scope, runtime.gateway(), runtime.cipher()) == 0
    update = await socket.next_update()
    assert update["kind"] == "ACCOUNT_WATCH_EXPIRING"
    assert datetime.fromisoformat(update["mailAccount"]["watchExpiresAt"]) == soon
    assert "Backend Error" in update["mailAccount"]["watchError"]
    # The second failure said nothing new: the next update is a later, unrelated change.
    await gql(client, CAP, {"id": str(tenant.account_id)}, tenant.token)
    assert (await socket.next_update())["kind"] == "ACCOUNT_UPDATED"
    assert account_events(tenant) == ["account_watch_expiring", "account_updated"]
