"""Correcting correlation by hand (linkBounce / unlinkBounce, audited), and the suppression list
that follows the ledger: repeated soft bounces suppress for a while, expired entries stop counting,
and every addition and removal says who, when and on what evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlmodel import select

from domain.records import EmailMessage
from domain.settings import get_settings
from tests.conftest import wait_for
from tests.e2e.helpers import email_row, event_kinds, send, status_is
from tests.e2e.notices import dsn
from tests.factories import Tenant, gql, make_connected_tenant, make_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope

LINK = """mutation($m: ID!, $e: ID!) { linkBounce(messageId: $m, outboundEmailId: $e) { __typename
  ... on BounceLinked { outboundEmail { id deliveryStatus recipients { address deliveryState correlation reason
    bounceMessage { id } } } bounce { id relation } }
  ... on MutationError { code message field } } }"""
UNLINK = """mutation($m: ID!) { unlinkBounce(messageId: $m) { __typename
  ... on BounceUnlinked { outboundEmail { id deliveryStatus bounceDetails { detectedAt }
    recipients { address deliveryState correlation bounceMessage { id } } } bounce { id relation } }
  ... on MutationError { code message field } } }"""
LIST = """query($f: SuppressionFilter, $first: Int, $after: String) { suppressions(filter: $f, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { email source active expiresAt addedBy bounceMessageId } } } }"""
AUDIT = """query($email: String) { suppressionEvents(email: $email) { email action source actor reason bounceMessageId } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


async def sent(client: Any, tenant: Tenant, to: str, subject: str = "Invoice") -> Any:
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=[to], subject=subject)
    assert result["__typename"] == "EmailQueued", result
    return wait_for(status_is(result["outboundEmail"]["id"], "SENT"))


def bounces(account_id: uuid.UUID) -> list[EmailMessage]:
    with session_scope() as session:
        return list(
            session.exec(select(EmailMessage).where(EmailMessage.account_id == account_id, EmailMessage.is_bounce))
        )


async def test_an_uncorrelated_bounce_linked_by_hand_and_unlinked_again(client, tenant, gmail) -> None:
    email = await sent(client, tenant, "lee@contoso.example")
    notice = dsn(
        tenant.account_email,
        "lee@contoso.example",
        status="5.1.1",
        action="failed",
        diagnostic="550 5.1.1 <lee@contoso.example>: Recipient address rejected: User unknown in local recipient table",
        original_message_id=None,  # nothing ties it to the email
    )
    gmail.inject(tenant.account_email, notice)
    (bounce,) = wait_for(lambda: bounces(tenant.account_id))
    assert bounce.outbound_email_id is None

    linked = (await gql(client, LINK, {"m": str(bounce.id), "e": str(email.id)}, tenant.token))["data"]["linkBounce"]
    assert linked["__typename"] == "BounceLinked", linked
    assert linked["bounce"]["relation"] == "BOUNCE" and linked["outboundEmail"]["deliveryStatus"] == "bounce_detected"
    assert linked["outboundEmail"]["recipients"] == [
        {
            "address": "lee@contoso.example",
            "deliveryState": "BOUNCED",
            "correlation": "MANUAL",
            "reason": "userunknown",
            "bounceMessage": {"id": str(bounce.id)},
        }
    ]
    assert email_row(email.id).bounce_details["bounced_recipients"][0]["email"] == "lee@contoso.example"
    listed = (await gql(client, LIST, {"f": {"email": "Lee@contoso.example"}}, tenant.token))["data"]["suppressions"]
    assert [(e["node"]["source"], e["node"]["bounceMessageId"]) for e in listed["edges"]] == [
        ("HARD_BOUNCE", str(bounce.id))
    ]
    assert listed["edges"][0]["node"]["addedBy"].startswith("api:token:")  # who linked it, not the sync
    again = (await gql(client, LINK, {"m": str(bounce.id), "e": str(email.id)}, tenant.token))["data"]["linkBounce"]
    assert again["__typename"] == "BounceLinked"  # linking twice changes nothing
    assert event_kinds(email.id).count("bounce_detected") == 1

    other = await sent(client, tenant, "someone@example.com", "Another")
    taken = (await gql(client, LINK, {"m": str(bounce.id), "e": str(other.id)}, tenant.token))["data"]["linkBounce"]
    assert (taken["__typename"], taken["code"]) == ("InvalidStateError", "BOUNCE_ALREADY_LINKED")

    undone = (await gql(client, UNLINK, {"m": str(bounce.id)}, tenant.token))["data"]["unlinkBounce"]
    assert undone["__typename"] == "BounceUnlinked", undone
    shown = undone["outboundEmail"]
    assert (shown["deliveryStatus"], shown["bounceDetails"]) == (None, None)
    assert shown["recipients"] == [
        {"address": "lee@contoso.example", "deliveryState": "SENT", "correlation": None, "bounceMessage": None}
    ]
    assert undone["bounce"]["relation"] is None
    assert (await gql(client, LIST, {}, tenant.token))["data"]["suppressions"]["totalCount"] == 0
    audit = (await gql(client, AUDIT, {"email": "lee@contoso.example"}, tenant.token))["data"]["suppressionEvents"]
    assert [(a["action"], a["source"], a["bounceMessageId"]) for a in audit] == [
        ("REMOVED", "HARD_BOUNCE", str(bounce.id)),
        ("ADDED", "HARD_BOUNCE", str(bounce.id)),
    ]
    assert audit[0]["actor"] == audit[1]["actor"] and audit[0]["reason"] == "the bounce was unlinked"
    kinds = event_kinds(email.id)
    assert kinds[-1] == "recipient_updated" and "bounce_unlinked" in kinds
    refused = (await gql(client, UNLINK, {"m": str(bounce.id)}, tenant.token))["data"]["unlinkBounce"]
    assert (refused["__typename"], refused["code"]) == ("InvalidStateError", "BOUNCE_NOT_LINKED")


async def test_link_bounce_refuses_what_is_not_a_bounce_or_not_yours(client, tenant, gmail) -> None:
    email = await sent(client, tenant, "nobody@nowhere.invalid")
    wait_for(lambda: email_row(email.id).email_message_uid and bounces(tenant.account_id))
    copy = email_row(email.id).email_message_uid
    not_bounce = (await gql(client, LINK, {"m": str(copy), "e": str(email.id)}, tenant.token))["data"]["linkBounce"]
    assert (not_bounce["__typename"], not_bounce["code"], not_bounce["field"]) == (
        "ValidationError",
        "NOT_A_BOUNCE",
        "messageId",
    )
    stranger = make_tenant()
    (bounce,) = bounces(tenant.account_id)
    foreign = (await gql(client, LINK, {"m": str(bounce.id), "e": str(email.id)}, stranger.token))["data"]["linkBounce"]
    assert foreign["__typename"] == "NotFoundError"
    missing = (await gql(client, UNLINK, {"m": str(uuid.uuid4())}, tenant.token))["data"]["unlinkBounce"]
    assert missing["__typename"] == "NotFoundError"


async def test_repeated_soft_bounces_suppress_for_a_while_and_expired_entries_stop_counting(
    client, tenant, gmail, db
) -> None:
    address = "full+pat@example.com"  # the emulator answers 5.2.2, mailbox full: a soft failure
    for n in range(3):
        email = await sent(client, tenant, address, f"Reminder {n}")
        wait_for(lambda email=email: email_row(email.id).bounce_details)
    listed = (await gql(client, LIST, {"f": {"source": ["SOFT_BOUNCES"]}}, tenant.token))["data"]["suppressions"]
    (entry,) = [e["node"] for e in listed["edges"]]
    assert (entry["email"], entry["active"]) == (address, True)
    expires = datetime.fromisoformat(entry["expiresAt"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    refused = await send(client, tenant.token, accountId=str(tenant.account_id), to=[address], subject="again")
    assert refused["code"] == "RECIPIENT_SUPPRESSED"

    with psycopg.connect(db, autocommit=True) as conn:  # a week later
        conn.execute(
            "UPDATE suppressed_address SET expires_at = now() - interval '1 minute' WHERE email = %s", (address,)
        )
    expired = (await gql(client, LIST, {"f": {"active": False}}, tenant.token))["data"]["suppressions"]
    assert [e["node"]["email"] for e in expired["edges"]] == [address]
    assert (await gql(client, LIST, {"f": {"active": True}}, tenant.token))["data"]["suppressions"]["totalCount"] == 0
    allowed = await send(client, tenant.token, accountId=str(tenant.account_id), to=[address], subject="later")
    assert allowed["__typename"] == "EmailQueued"


async def test_the_suppression_list_pages_and_filters(client, db) -> None:
    tenant = make_tenant()
    for i in range(5):
        await gql(
            client, f'mutation {{ suppressAddress(email: "p{i}@example.com") {{ __typename }} }}', token=tenant.token
        )
    seen, after = [], None
    while True:
        page = (await gql(client, LIST, {"first": 2, "after": after}, tenant.token))["data"]["suppressions"]
        assert page["totalCount"] == 5
        seen += [e["node"]["email"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"p{i}@example.com" for i in reversed(range(5))]
    manual = (await gql(client, LIST, {"f": {"source": ["MANUAL"]}}, tenant.token))["data"]["suppressions"]
    assert manual["totalCount"] == 5 and all(e["node"]["addedBy"].startswith("api:token:") for e in manual["edges"])
    bad = await gql(client, LIST, {"after": "garbage!!"}, tenant.token)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    removed = await gql(
        client, 'mutation { unsuppressAddress(email: "p1@example.com") { __typename } }', token=tenant.token
    )
    assert removed["data"]["unsuppressAddress"]["__typename"] == "AddressUnsuppressed"
    audit = (await gql(client, AUDIT, {"email": "p1@example.com"}, tenant.token))["data"]["suppressionEvents"]
    assert [a["action"] for a in audit] == ["REMOVED", "ADDED"] and audit[0]["reason"] == "removed by hand"
