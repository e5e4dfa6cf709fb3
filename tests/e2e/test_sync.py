"""Mailbox sync end to end: emulator push -> verified webhook -> sync worker -> links to the outbound email."""

from __future__ import annotations

import base64
import json
import uuid
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

import httpx
import pytest
from sqlmodel import col, select

from domain.records import EmailMessage, OutboundEmail
from tests.conftest import API_URL, wait_for
from tests.e2e.helpers import email_row, event_kinds, send, sent_copies, status_is
from tests.factories import Tenant, gql, make_connected_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope

DETAILS = """query($id: ID!) { outboundEmail(id: $id) { status deliveryStatus messageIdHeader
  emailMessage { id gmailId } bounceDetails { bouncedRecipients { email action statusCode diagnostic } detectedAt }
  replies { id fromAddress } autoReplies { id autoReplyKind } bounces { id } events { kind data } } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    from domain.settings import get_settings

    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


async def sent_email(client, tenant: Tenant, **fields) -> OutboundEmail:  # type: ignore[no-untyped-def]
    result = await send(
        client,
        tenant.token,
        **{"accountId": str(tenant.account_id), "subject": "Invoice INV-9", "bodyText": "Please pay.", **fields},
    )
    return wait_for(status_is(result["outboundEmail"]["id"], "SENT"))


def inject_reply(gmail, tenant: Tenant, email: OutboundEmail, text: str) -> MimeMessage:  # type: ignore[no-untyped-def]
    """The client answers `email` (In-Reply-To and References name it); it lands in the sender's INBOX."""
    reply = MimeMessage()
    reply["From"] = "Client <client@example.com>"
    reply["To"] = tenant.account_email
    reply["Subject"] = "Re: Invoice INV-9"
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = email.message_id_header
    reply["References"] = email.message_id_header
    reply.set_content(text)
    gmail.inject(tenant.account_email, reply.as_bytes())
    return reply


def linked(email_id: uuid.UUID, attribute: str):  # type: ignore[no-untyped-def]
    return lambda: getattr(email_row(email_id), attribute)


def messages_of(account_id: uuid.UUID) -> list[EmailMessage]:
    with session_scope() as session:
        return list(session.exec(select(EmailMessage).where(EmailMessage.account_id == account_id)))


async def test_a_sent_email_is_linked_to_its_synced_copy(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["client@example.com"])
    wait_for(linked(email.id, "email_message_uid"))
    body = await gql(client, DETAILS, {"id": str(email.id)}, tenant.token)
    shown = body["data"]["outboundEmail"]
    assert shown["emailMessage"]["gmailId"] == email.provider_message_id
    assert shown["messageIdHeader"] == email.message_id_header
    assert "sent_copy_linked" in [e["kind"] for e in shown["events"]]


async def test_a_human_reply_is_linked_and_marks_the_email_replied(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["client@example.com"])
    inject_reply(gmail, tenant, email, "Paid, thanks!")
    wait_for(lambda: email_row(email.id).delivery_status is not None)
    shown = (await gql(client, DETAILS, {"id": str(email.id)}, tenant.token))["data"]["outboundEmail"]
    assert shown["deliveryStatus"] == "replied"
    assert [r["fromAddress"] for r in shown["replies"]] == ["Client <client@example.com>"]
    assert shown["autoReplies"] == []
    assert "reply_linked" in [e["kind"] for e in shown["events"]]


async def test_an_out_of_office_reply_is_kept_apart_from_human_replies(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["ooo+pat@example.com"])
    wait_for(lambda: "auto_reply_linked" in event_kinds(email.id))
    shown = (await gql(client, DETAILS, {"id": str(email.id)}, tenant.token))["data"]["outboundEmail"]
    assert shown["replies"] == []
    assert [a["autoReplyKind"] for a in shown["autoReplies"]] == ["out-of-office"]
    assert shown["deliveryStatus"] == "delivered"  # an automatic reply proves delivery (domain/ledger/precedence.py)


async def test_an_invalid_recipient_bounce_sets_the_exact_bounce_details(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["nobody@nowhere.invalid"])
    wait_for(lambda: email_row(email.id).bounce_details)
    row = email_row(email.id)
    assert row.delivery_status.value == "bounce_detected"
    details = row.bounce_details
    assert set(details) == {"bounced_recipients", "detected_at"}
    assert details["bounced_recipients"] == [
        {
            "email": "nobody@nowhere.invalid",
            "action": "failed",
            "status_code": "5.1.1",
            "diagnostic": details["bounced_recipients"][0]["diagnostic"],
        }
    ]
    assert "does not exist" in details["bounced_recipients"][0]["diagnostic"]
    shown = (await gql(client, DETAILS, {"id": str(email.id)}, tenant.token))["data"]["outboundEmail"]
    assert shown["deliveryStatus"] == "bounce_detected"
    assert shown["bounceDetails"]["bouncedRecipients"][0]["statusCode"] == "5.1.1"
    bounce_event = next(e for e in shown["events"] if e["kind"] == "bounce_detected")
    assert bounce_event["data"]["evidence"] == "in_reply_to"
    suppressed = await gql(client, "{ suppressedAddresses { email } }", token=tenant.token)
    assert suppressed["data"]["suppressedAddresses"] == [{"email": "nobody@nowhere.invalid"}]


async def test_a_bounce_for_one_of_three_recipients_names_only_that_recipient(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["a@example.com", "b@gone.invalid"], cc=["c@example.com"])
    wait_for(lambda: email_row(email.id).bounce_details)
    recipients = email_row(email.id).bounce_details["bounced_recipients"]
    assert [r["email"] for r in recipients] == ["b@gone.invalid"]


async def test_a_delay_notice_then_a_failure_upgrades_the_delivery_status(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["delay+slow@example.com"])
    wait_for(lambda: email_row(email.id).delivery_status is not None)
    assert email_row(email.id).delivery_status.value == "delayed"
    assert email_row(email.id).bounce_details is None
    gmail.inject(
        tenant.account_email, exchange_ndr(tenant.account_email, "delay+slow@example.com", email.message_id_header)
    )
    wait_for(lambda: email_row(email.id).delivery_status.value == "bounce_detected")


def exchange_ndr(to: str, recipient: str, original_id: str) -> bytes:
    """An Exchange/Office 365-style NDR written for these tests."""
    boundary = "NDR_boundary_42"
    return (
        f"From: Microsoft Outlook <postmaster@contoso.example>\r\nTo: {to}\r\n"
        f"Subject: Undeliverable: Invoice INV-9\r\nMessage-ID: <ndr-{uuid.uuid4().hex}@contoso.example>\r\n"
        f"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Your message to {recipient} couldn't be delivered.\r\n{recipient.split('@')[0]} wasn't found at "
        f"contoso.example.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns;CO1PR01MB0001.prod.outlook.com\r\n\r\n"
        f"Final-Recipient: rfc822;{recipient}\r\nAction: failed\r\nStatus: 5.1.10\r\n"
        f"Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {to}\r\nTo: {recipient}\r\nSubject: Invoice INV-9\r\nMessage-ID: {original_id}\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()


async def test_an_exchange_style_ndr_is_correlated_by_the_returned_headers(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["someone@contoso.example"])
    gmail.inject(
        tenant.account_email, exchange_ndr(tenant.account_email, "someone@contoso.example", email.message_id_header)
    )
    wait_for(lambda: email_row(email.id).bounce_details)
    recipient = email_row(email.id).bounce_details["bounced_recipients"][0]
    assert (recipient["email"], recipient["status_code"]) == ("someone@contoso.example", "5.1.10")
    assert "original_message_id" in json.dumps(
        (await gql(client, DETAILS, {"id": str(email.id)}, tenant.token))["data"]["outboundEmail"]["events"]
    )


async def test_a_plain_text_bounce_is_correlated_by_its_x_mailtrail_id(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["user@old.example"])
    text = (
        "From: MAILER-DAEMON@mx.old.example (Mail Delivery System)\r\n"
        f"To: {tenant.account_email}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <pf-{uuid.uuid4().hex}@mx.old.example>\r\n\r\n"
        "This is the mail system at host mx.old.example.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n"
        "<user@old.example>: host mx.old.example[192.0.2.1] said: 550 5.1.1\r\n"
        "    <user@old.example>: Recipient address rejected: User unknown in local\r\n    recipient table\r\n\r\n"
        "------ This is a copy of the message, including all the headers. ------\r\n\r\n"
        f"From: {tenant.account_email}\r\nTo: user@old.example\r\nX-Mailtrail-Id: {email.id}\r\n"
        "Subject: Invoice INV-9\r\n\r\nPlease pay.\r\n"
    ).encode()
    gmail.inject(tenant.account_email, text)
    wait_for(lambda: email_row(email.id).bounce_details)
    assert email_row(email.id).bounce_details["bounced_recipients"][0]["status_code"] == "5.1.1"


async def test_a_bounce_nobody_can_correlate_is_kept_and_queryable(client, tenant, gmail) -> None:
    gmail.inject(tenant.account_email, exchange_ndr(tenant.account_email, "x@nowhere.example", "<unknown@else>"))
    rows = wait_for(lambda: [m for m in messages_of(tenant.account_id) if m.is_bounce])
    assert rows[0].outbound_email_id is None
    listed = await gql(
        client,
        "{ bounces(uncorrelated: true) { id isBounce bounceDetails { bouncedRecipients { email } } } }",
        token=tenant.token,
    )
    assert listed["data"]["bounces"][0]["bounceDetails"]["bouncedRecipients"] == [{"email": "x@nowhere.example"}]


def push_body(address: str, history_id: int) -> dict:  # type: ignore[type-arg]
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode()).decode()
    return {"message": {"data": data, "messageId": "1"}, "subscription": "projects/p/subscriptions/s"}


async def test_forged_pushes_are_rejected_and_enqueue_nothing(tenant, gmail) -> None:
    from sandbox.auth import Signer
    from sandbox.push import PushConfig, Pusher

    body = push_body(tenant.account_email, 10**12)
    forger = Pusher(
        Signer(),
        PushConfig(endpoint=API_URL + "/webhooks/gmail/push", service_account=gmail.push_config.service_account),
    )
    wrong_audience = Pusher(
        gmail.signer,
        PushConfig(endpoint="https://elsewhere.example/push", service_account=gmail.push_config.service_account),
    )
    wrong_account = Pusher(
        gmail.signer,
        PushConfig(endpoint=API_URL + "/webhooks/gmail/push", service_account="attacker@evil.iam.gserviceaccount.com"),
    )
    try:
        async with httpx.AsyncClient() as http:
            url = API_URL + "/webhooks/gmail/push"
            cases = [
                ({}, 401),
                ({"Authorization": "Bearer not.a.jwt"}, 401),
                ({"Authorization": f"Bearer {forger.token()}"}, 401),
                ({"Authorization": f"Bearer {wrong_audience.token()}"}, 403),
                ({"Authorization": f"Bearer {wrong_account.token()}"}, 403),
            ]
            for headers, status in cases:
                response = await http.post(url, json=body, headers=headers)
                assert response.status_code == status, (headers, response.text)
            genuine = await http.post(url, json=body, headers={"Authorization": f"Bearer {gmail.pusher.token()}"})
            assert genuine.status_code == 204
    finally:
        for pusher in (forger, wrong_audience, wrong_account):
            pusher.close()


async def test_duplicate_pushes_ingest_each_message_once(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["client@example.com"])
    wait_for(linked(email.id, "email_message_uid"))
    box = gmail.store.mailbox(tenant.account_email)
    async with httpx.AsyncClient() as http:
        for _ in range(3):
            response = await http.post(
                API_URL + "/webhooks/gmail/push",
                json=push_body(box.address, box.history_id),
                headers={"Authorization": f"Bearer {gmail.pusher.token()}"},
            )
            assert response.status_code == 204
    runtime.syncer().sync(tenant.account_id)
    gmail_ids = [m.gmail_id for m in messages_of(tenant.account_id)]
    assert len(gmail_ids) == len(set(gmail_ids)) == len(gmail.messages(tenant.account_email))


async def test_an_expired_history_cursor_triggers_a_full_resync_that_loses_and_duplicates_nothing(
    client, tenant, gmail
) -> None:
    email = await sent_email(client, tenant, to=["client@example.com"])
    wait_for(linked(email.id, "email_message_uid"))
    with session_scope() as session:  # an old cursor Gmail no longer keeps history for
        row = session.get(OutboundEmail, email.id)
        assert row is not None
    gmail.expire_history(tenant.account_email)
    reply = MimeMessage()
    reply["From"] = "client@example.com"
    reply["To"] = tenant.account_email
    reply["Subject"] = "Re: Invoice INV-9"
    reply["In-Reply-To"] = email.message_id_header
    reply.set_content("Paid")
    with session_scope() as session:
        from domain.records import MailAccount

        account = session.get(MailAccount, tenant.account_id)
        account.history_id = 1  # older than anything the emulator keeps
        session.add(account)
    gmail.inject(tenant.account_email, reply.as_bytes())
    wait_for(lambda: email_row(email.id).delivery_status is not None)
    result = runtime.syncer().sync(tenant.account_id)
    assert result is not None
    gmail_ids = [m.gmail_id for m in messages_of(tenant.account_id)]
    assert sorted(gmail_ids) == sorted(m.id for m in gmail.messages(tenant.account_email))
    assert len(gmail_ids) == len(set(gmail_ids))
    assert email_row(email.id).delivery_status.value == "replied"
    assert len(sent_copies(gmail, tenant.account_email, str(email.id))) == 1
    with session_scope() as session:
        links = session.exec(select(EmailMessage).where(col(EmailMessage.outbound_email_id) == email.id)).all()
        assert sorted(m.relation.value for m in links) == ["REPLY", "SENT_COPY"]


async def test_a_reply_sent_in_the_thread_joins_the_conversation(client, tenant, gmail) -> None:
    email = await sent_email(client, tenant, to=["client@example.com"])
    theirs = inject_reply(gmail, tenant, email, "Can I pay next week?")
    wait_for(lambda: email_row(email.id).delivery_status is not None)
    shown = (await gql(client, DETAILS, {"id": str(email.id)}, tenant.token))["data"]["outboundEmail"]
    (reply_to,) = shown["replies"]

    answer = await send(client, tenant.token, replyToMessageId=reply_to["id"], bodyText="Of course.")
    assert answer["__typename"] == "EmailQueued", answer
    ours = wait_for(status_is(answer["outboundEmail"]["id"], "SENT"))
    (copy,) = sent_copies(gmail, tenant.account_email, ours.id)
    assert copy.thread_id == email.provider_thread_id  # Gmail kept it in the conversation
    assert copy.header("In-Reply-To") == theirs["Message-ID"]
    assert copy.header("References").split() == [email.message_id_header, theirs["Message-ID"]]
    assert copy.header("Subject") == "Re: Invoice INV-9"  # not "Re: Re: ..."
    assert copy.header("To") == "client@example.com"  # the sender of the message replied to
    assert ours.account_id == tenant.account_id and ours.reply_to_message_id == uuid.UUID(reply_to["id"])
