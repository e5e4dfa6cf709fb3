"""Each recipient's own delivery truth, end to end: emulator -> push -> sync -> ledger -> GraphQL.

One email to three recipients: one bounces hard (user unknown), one gets a delay notice then a
failure, one replies. Each recipient's state, reason, permanence, scope, correlation and times
come out right; `bounce_details` keeps the seed's shape; only the hard, address-scope bounce
suppresses; a sender-scope bounce (5.7.1, blocked for reputation) marks the account instead.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from domain.records import EmailMessage, MailAccount, OutboundEmail, OutboundEmailEvent
from domain.settings import get_settings
from tests.conftest import wait_for
from tests.e2e.helpers import email_row, send, status_is
from tests.e2e.notices import blocked_for_reputation, expired_after_delays, reply
from tests.factories import Tenant, gql, make_connected_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope

RECIPIENT = """address role deliveryState statusCode action diagnostic reason permanence scope detectedAt reportedAt
  correlation bounceMessage { id } replyMessage { id }"""
SHOW = f"""query($id: ID!) {{ outboundEmail(id: $id) {{ id status deliveryStatus accountId emailMessageUid
  replyToMessageId recipients {{ {RECIPIENT} }}
  bounceDetails {{ detectedAt bouncedRecipients {{ email action statusCode diagnostic reason permanence scope }} }} }} }}"""
SUPPRESSIONS = """{ suppressions { totalCount edges { node { email source reason sourceEmailId bounceMessageId addedBy
  expiresAt active } } } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


async def sent_email(client: Any, tenant: Tenant, **fields: Any) -> OutboundEmail:
    result = await send(
        client,
        tenant.token,
        **{"accountId": str(tenant.account_id), "subject": "Invoice INV-13", "bodyText": "Please pay.", **fields},
    )
    assert result["__typename"] == "EmailQueued", result
    return wait_for(status_is(result["outboundEmail"]["id"], "SENT"))


def states(email_id: uuid.UUID) -> dict[str, str | None]:
    from domain.records import OutboundRecipient

    with session_scope() as session:
        rows = session.exec(select(OutboundRecipient).where(OutboundRecipient.email_id == email_id)).all()
        return {r.address: r.delivery_state.value if r.delivery_state else None for r in rows}


async def shown(client: Any, tenant: Tenant, email_id: uuid.UUID) -> dict[str, Any]:
    body = await gql(client, SHOW, {"id": str(email_id)}, tenant.token)
    assert "errors" not in body, body
    return dict(body["data"]["outboundEmail"])


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_three_recipients_one_hard_bounce_one_delay_then_failure_one_reply(client, tenant, gmail) -> None:
    email = await sent_email(
        client, tenant, to=["gone@nowhere.invalid", "delay+slow@example.com"], cc=["pat@example.com"]
    )
    # The emulator's notice names both: the unknown user failed (5.1.1), the slow one is delayed (4.4.7).
    wait_for(lambda: states(email.id)["delay+slow@example.com"] == "DELAYED")
    first = email_row(email.id)
    assert states(email.id) == {
        "gone@nowhere.invalid": "BOUNCED",
        "delay+slow@example.com": "DELAYED",
        "pat@example.com": "SENT",
    }
    assert first.delivery_status is not None and first.delivery_status.value == "bounce_detected"
    gmail.inject(
        tenant.account_email,
        expired_after_delays(tenant.account_email, "delay+slow@example.com", email.message_id_header),
    )
    gmail.inject(
        tenant.account_email, reply("Pat <pat@example.com>", tenant.account_email, email.message_id_header, "Paid")
    )
    wait_for(
        lambda: (
            states(email.id)
            == {"gone@nowhere.invalid": "BOUNCED", "delay+slow@example.com": "BOUNCED", "pat@example.com": "REPLIED"}
        )
    )

    view = await shown(client, tenant, email.id)
    assert view["deliveryStatus"] == "bounce_detected"
    assert view["accountId"] == str(tenant.account_id) and view["replyToMessageId"] is None
    assert view["emailMessageUid"] == str(email_row(email.id).email_message_uid)
    by = {r["address"]: r for r in view["recipients"]}
    assert [r["address"] for r in view["recipients"]] == [
        "gone@nowhere.invalid",
        "delay+slow@example.com",
        "pat@example.com",
    ]

    gone, slow, pat = by["gone@nowhere.invalid"], by["delay+slow@example.com"], by["pat@example.com"]
    assert {k: gone[k] for k in ("role", "deliveryState", "statusCode", "action", "reason", "permanence", "scope")} == {
        "role": "TO",
        "deliveryState": "BOUNCED",
        "statusCode": "5.1.1",
        "action": "failed",
        "reason": "userunknown",
        "permanence": "HARD",
        "scope": "ADDRESS",
    }
    assert gone["correlation"] == "IN_REPLY_TO"  # the emulator's notice answers the sent message
    assert "does not exist" in gone["diagnostic"] and gone["replyMessage"] is None
    assert {k: slow[k] for k in ("role", "deliveryState", "statusCode", "action", "reason", "permanence", "scope")} == {
        "role": "TO",
        "deliveryState": "BOUNCED",
        "statusCode": "4.4.7",
        "action": "failed",
        "reason": "expired",
        "permanence": "SOFT",
        "scope": "TRANSIENT",
    }
    assert slow["correlation"] == "MESSAGE_ID_IN_REPORT"  # found by the Message-ID in the returned headers
    assert at(slow["reportedAt"]) == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # the notice's own date
    assert at(slow["detectedAt"]) > at(gone["detectedAt"])  # read later than the first notice
    assert slow["bounceMessage"]["id"] != gone["bounceMessage"]["id"]
    assert {k: pat[k] for k in ("role", "deliveryState", "statusCode", "reason", "permanence", "scope")} == {
        "role": "CC",
        "deliveryState": "REPLIED",
        "statusCode": None,
        "reason": None,
        "permanence": None,
        "scope": None,
    }
    assert pat["correlation"] == "IN_REPLY_TO" and pat["bounceMessage"] is None
    assert at(pat["reportedAt"]) == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    with session_scope() as session:
        bounce = session.get(EmailMessage, uuid.UUID(gone["bounceMessage"]["id"]))
        answer = session.get(EmailMessage, uuid.UUID(pat["replyMessage"]["id"]))
        assert bounce is not None and bounce.is_bounce and bounce.outbound_email_id == email.id
        assert answer is not None and answer.from_address == "Pat <pat@example.com>"
        assert abs(at(gone["detectedAt"]) - bounce.created_at).total_seconds() < 1

    # The seed's exact shape; the second bounce was added without touching the first one's time.
    details = email_row(email.id).bounce_details
    assert set(details) == {"bounced_recipients", "detected_at"}
    assert all(set(r) == {"email", "action", "status_code", "diagnostic"} for r in details["bounced_recipients"])
    assert [(r["email"], r["action"], r["status_code"]) for r in details["bounced_recipients"]] == [
        ("gone@nowhere.invalid", "failed", "5.1.1"),
        ("delay+slow@example.com", "failed", "4.4.7"),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", details["detected_at"])
    assert details["detected_at"] == first.bounce_details["detected_at"]
    typed = view["bounceDetails"]
    assert at(typed["detectedAt"]) == at(details["detected_at"].replace("Z", "+00:00"))
    assert [(r["reason"], r["permanence"], r["scope"]) for r in typed["bouncedRecipients"]] == [
        ("userunknown", "HARD", "ADDRESS"),
        ("expired", "SOFT", "TRANSIENT"),
    ]

    # Only the hard, address-scope bounce suppresses, and the suppression keeps its evidence.
    listed = (await gql(client, SUPPRESSIONS, token=tenant.token))["data"]["suppressions"]
    assert listed["totalCount"] == 1
    entry = listed["edges"][0]["node"]
    assert (entry["email"], entry["source"], entry["active"], entry["expiresAt"]) == (
        "gone@nowhere.invalid",
        "HARD_BOUNCE",
        True,
        None,
    )
    assert entry["bounceMessageId"] == gone["bounceMessage"]["id"] and entry["sourceEmailId"] == str(email.id)
    assert entry["addedBy"] == "worker:sync" and "userunknown" in entry["reason"]

    with session_scope() as session:
        events = session.exec(
            select(OutboundEmailEvent)
            .where(OutboundEmailEvent.email_id == email.id, OutboundEmailEvent.kind == "recipient_updated")
            .order_by(OutboundEmailEvent.seq)  # type: ignore[arg-type]
        ).all()
    assert [(e.data["address"], e.data["previous"], e.data["delivery_state"]) for e in events] == [
        ("gone@nowhere.invalid", "SENT", "BOUNCED"),
        ("delay+slow@example.com", "SENT", "DELAYED"),
        ("delay+slow@example.com", "DELAYED", "BOUNCED"),
        ("pat@example.com", "SENT", "REPLIED"),
    ]


async def test_a_sender_scope_bounce_marks_the_account_not_the_recipient(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["pat@strict.example"])
    gmail.inject(
        tenant.account_email,
        blocked_for_reputation(tenant.account_email, "pat@strict.example", email.message_id_header),
    )

    def warned() -> Any:
        with session_scope() as session:
            account = session.get(MailAccount, tenant.account_id)
            return account.sender_warning if account else None

    warning = wait_for(warned)
    assert warning["status_code"] == "5.7.1" and warning["recipient"] == "pat@strict.example"
    view = await shown(client, tenant, email.id)
    (recipient,) = view["recipients"]
    assert (recipient["deliveryState"], recipient["scope"], recipient["statusCode"]) == ("BOUNCED", "SENDER", "5.7.1")
    assert recipient["reason"] in {"blocked", "badreputation"}  # sisimai's names for a listed sender
    assert (await gql(client, SUPPRESSIONS, token=tenant.token))["data"]["suppressions"]["totalCount"] == 0

    accounts = await gql(
        client,
        """{ mailAccounts { id senderWarning { reason statusCode recipient bounceMessageId outboundEmailId } } }""",
        token=tenant.token,
    )
    shown_warning = accounts["data"]["mailAccounts"][0]["senderWarning"]
    assert shown_warning["outboundEmailId"] == str(email.id) and shown_warning["statusCode"] == "5.7.1"
    assert shown_warning["bounceMessageId"] == recipient["bounceMessage"]["id"]
    again = await send(client, tenant.token, accountId=str(tenant.account_id), to=["pat@strict.example"], subject="2")
    assert again["__typename"] == "EmailQueued"  # the recipient is not blamed

    cleared = await gql(
        client,
        """mutation($a: ID!) { acknowledgeSenderWarning(accountId: $a) { __typename
          ... on MailAccountUpdated { mailAccount { senderWarning { reason } } } } }""",
        {"a": str(tenant.account_id)},
        tenant.token,
    )
    assert cleared["data"]["acknowledgeSenderWarning"]["mailAccount"]["senderWarning"] is None
    with session_scope() as session:
        kinds = session.exec(
            select(OutboundEmailEvent.kind).where(OutboundEmailEvent.email_id == tenant.account_id)
        ).all()
    assert sorted(kinds) == ["account_sender_warning", "account_updated"]
