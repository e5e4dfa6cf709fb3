"""Connecting Gmail accounts end to end: OAuth with PKCE against the emulator, states, watch renewal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from sqlmodel import select

from domain.records import AccountState, MailAccount
from domain.settings import get_settings
from tests.factories import Tenant, gql, make_connected_tenant, make_tenant
from workers import runtime
from workers.connect import renew_watches
from workers.db import session_scope

CONNECT = """mutation($r: String, $hint: String) { connectMailAccount(redirectAfter: $r, loginHint: $hint) {
  __typename ... on AuthorizationStarted { authorizationUrl } ... on MutationError { code field } } }"""
SEND, READ = "https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/gmail.readonly"


@pytest.fixture
def org(db: str, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_tenant(f"org-{uuid.uuid4().hex[:8]}")


async def start(client, tenant: Tenant, address: str, redirect: str | None = "/settings/email") -> str:  # type: ignore[no-untyped-def]
    body = await gql(client, CONNECT, {"r": redirect, "hint": address}, tenant.token)
    result = body["data"]["connectMailAccount"]
    assert result["__typename"] == "AuthorizationStarted", result
    return str(result["authorizationUrl"])


async def consent(url: str) -> str:
    """What the user's browser does at Google: consent, and come back with the callback URL."""
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 302
    return response.headers["location"]


async def callback(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(url)


def account(address: str) -> MailAccount | None:
    with session_scope() as session:
        return session.exec(select(MailAccount).where(MailAccount.email == address)).first()


async def test_the_whole_flow_connects_encrypts_and_watches(client, org, gmail, db) -> None:
    address = f"owner-{uuid.uuid4().hex[:6]}@mailtrail.test"
    gmail.create_mailbox(address)
    url = await start(client, org, address)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]
    assert set(query["scope"][0].split()) == {SEND, READ}
    back = await consent(url)
    assert back.startswith(get_settings().base_url + "/oauth/google/callback?")
    response = await callback(back)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/settings/email"
    assert parse_qs(target.query)["email"] == [address]
    row = account(address)
    assert row is not None and row.state == AccountState.ACTIVE and row.organization_id == org.organization_id
    assert row.watch_expires_at is not None and row.watch_expires_at > datetime.now(UTC) + timedelta(days=6)
    assert row.history_id is not None and set(row.scopes) == {SEND, READ}
    assert gmail.store.mailbox(address).watch["topicName"] == get_settings().pubsub_topic
    with psycopg.connect(db) as conn:
        (raw,) = conn.execute("SELECT credentials_encrypted FROM mail_account WHERE email = %s", (address,)).fetchone()
    issued = [t for t in gmail.authority.tokens.values() if t.grant.mailbox == address]
    assert issued and raw
    for token in issued:
        assert token.token not in raw and token.grant.refresh_token not in raw
    shown = await gql(client, "{ mailAccounts { email state scopes watchExpiresAt } }", token=org.token)
    assert address in [a["email"] for a in shown["data"]["mailAccounts"]]
    assert "credentials" not in str(shown)

    replay = await callback(back)
    assert replay.status_code == 400 and "OAUTH_STATE_INVALID" in replay.text


@pytest.mark.parametrize("query", ["state=forged&code=4/abc", "code=4/abc", ""])
async def test_a_callback_with_a_wrong_or_missing_state_changes_nothing(org, gmail, query) -> None:
    response = await callback(get_settings().base_url + "/oauth/google/callback?" + query)
    assert response.status_code == 400
    assert "OAUTH_STATE_INVALID" in response.text
    with session_scope() as session:
        owned = session.exec(select(MailAccount.id).where(MailAccount.organization_id == org.organization_id)).all()
        assert owned == [org.account_id]


async def test_a_callback_without_a_code_is_refused_and_spends_the_state(client, org, gmail) -> None:
    address = f"nocode-{uuid.uuid4().hex[:6]}@mailtrail.test"
    gmail.create_mailbox(address)
    back = await consent(await start(client, org, address))
    state = parse_qs(urlsplit(back).query)["state"][0]
    response = await callback(get_settings().base_url + f"/oauth/google/callback?state={state}")
    assert response.status_code == 400 and "OAUTH_FAILED" in response.text
    assert (await callback(back)).status_code == 400
    assert account(address) is None


async def test_a_user_who_denies_consent_gets_a_clear_page(client, org, gmail) -> None:
    url = await start(client, org, "x@mailtrail.test")
    state = parse_qs(urlsplit(url).query)["state"][0]
    response = await callback(get_settings().base_url + f"/oauth/google/callback?error=access_denied&state={state}")
    assert response.status_code == 400 and "access_denied" in response.text


async def test_a_grant_without_the_needed_scopes_is_refused_and_revoked(client, org, gmail) -> None:
    address = f"narrow-{uuid.uuid4().hex[:6]}@mailtrail.test"
    gmail.create_mailbox(address)
    gmail.set_consent(scopes=[SEND])
    response = await callback(await consent(await start(client, org, address)))
    assert response.status_code == 403 and "gmail.readonly" in response.text
    assert account(address) is None
    assert all(g.revoked for g in gmail.authority.grants.values() if g.mailbox == address)


async def test_an_address_connected_to_another_organization_is_refused(client, org, gmail) -> None:
    other = make_connected_tenant(gmail)
    response = await callback(await consent(await start(client, org, other.account_email)))
    assert response.status_code == 409 and "ACCOUNT_CONFLICT" in response.text
    row = account(other.account_email)
    assert row is not None and row.organization_id == other.organization_id


async def test_reconnecting_an_account_that_needs_reauth_reactivates_it(client, gmail, live_api, db) -> None:
    tenant = make_connected_tenant(gmail)
    with session_scope() as session:
        row = session.get(MailAccount, tenant.account_id)
        row.state, row.state_reason = AccountState.NEEDS_REAUTH, "invalid_grant"
        session.add(row)
    response = await callback(await consent(await start(client, tenant, tenant.account_email, None)))
    assert response.status_code == 303
    row = account(tenant.account_email)
    assert row.id == tenant.account_id and row.state == AccountState.ACTIVE and row.state_reason is None


async def test_open_redirects_are_refused_before_anything_starts(client, org) -> None:
    body = await gql(client, CONNECT, {"r": "https://evil.example/steal"}, org.token)
    assert body["data"]["connectMailAccount"] == {
        "__typename": "ValidationError",
        "code": "INVALID_INPUT",
        "field": "redirectAfter",
    }


async def test_disconnecting_stops_the_watch_revokes_the_grant_and_keeps_history(client, gmail, live_api, db) -> None:
    tenant = make_connected_tenant(gmail)
    gmail.store.mailbox(tenant.account_email).watch = {"topicName": "t"}
    body = await gql(
        client,
        """mutation($id: ID!) { disconnectMailAccount(id: $id) { __typename
        ... on MailAccountDisconnected { mailAccount { state } } } }""",
        {"id": str(tenant.account_id)},
        tenant.token,
    )
    assert body["data"]["disconnectMailAccount"]["mailAccount"]["state"] == "DISCONNECTED"
    assert gmail.store.mailbox(tenant.account_email).watch is None
    assert all(g.revoked for g in gmail.authority.grants.values() if g.mailbox == tenant.account_email)
    row = account(tenant.account_email)
    assert row.credentials_encrypted is None and row.state == AccountState.DISCONNECTED
    other = make_tenant()
    foreign = await gql(
        client,
        """mutation($id: ID!) { disconnectMailAccount(id: $id) { __typename } }""",
        {"id": str(tenant.account_id)},
        other.token,
    )
    assert foreign["data"]["disconnectMailAccount"]["__typename"] == "NotFoundError"


async def test_the_renewal_job_renews_expiring_watches_and_reports_failures(gmail, db) -> None:
    settings = get_settings()
    soon, later, failing = make_connected_tenant(gmail), make_connected_tenant(gmail), make_connected_tenant(gmail)
    now = datetime.now(UTC)
    with session_scope() as session:
        for tenant, expires in (
            (soon, now + timedelta(hours=2)),
            (later, now + timedelta(days=5)),
            (failing, now + timedelta(hours=1)),
        ):
            row = session.get(MailAccount, tenant.account_id)
            row.watch_expires_at = expires
            session.add(row)
    gmail.revoke(failing.account_email)
    for token in gmail.authority.tokens.values():
        if token.grant.mailbox == failing.account_email:
            token.expires_at = 0
    renewed = renew_watches(settings, session_scope, runtime.gateway(), runtime.cipher())
    assert renewed == 1
    assert account(soon.account_email).watch_expires_at > now + timedelta(days=6)
    assert account(later.account_email).watch_expires_at < now + timedelta(days=6)
    assert account(failing.account_email).state == AccountState.NEEDS_REAUTH
    gmail.queue_fault("users.watch", status=500, reason="backendError", message="Backend Error")
    with session_scope() as session:
        row = session.get(MailAccount, soon.account_id)
        row.watch_expires_at = now
        session.add(row)
    assert renew_watches(settings, session_scope, runtime.gateway(), runtime.cipher()) == 0
    assert "Backend Error" in account(soon.account_email).watch_error
