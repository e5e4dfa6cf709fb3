"""Gmail history ids are uint64 (issue 12): a mailbox whose ids are above 2**63 sends, gets its
pushes accepted, syncs, and links replies, like any other."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from domain.records import EmailMessage, MailAccount
from domain.settings import get_settings
from tests.conftest import wait_for
from tests.e2e.helpers import email_row
from tests.e2e.test_sync import inject_reply, sent_email
from tests.factories import Tenant, make_connected_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope

BASE = 2**63 + 2**40


@pytest.fixture
def tenant(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    address = f"big-{uuid.uuid4().hex[:8]}@mailtrail.test"
    gmail.create_mailbox(address, history_id_base=BASE)
    tenant = make_connected_tenant(gmail, address=address)
    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


def cursor(tenant: Tenant) -> int | None:
    with session_scope() as session:
        account = session.get(MailAccount, tenant.account_id)
        assert account is not None
        return account.history_id


async def test_send_push_sync_and_reply_work_with_history_ids_above_2_to_the_63(client, tenant, gmail) -> None:
    start = cursor(tenant)
    assert start is not None and start > BASE
    email = await sent_email(client, tenant, to=["client@example.com"])
    wait_for(lambda: email_row(email.id).email_message_uid)  # the push was accepted and the sync linked the copy
    inject_reply(gmail, tenant, email, "Paid.")
    wait_for(lambda: email_row(email.id).delivery_status is not None)
    assert email_row(email.id).delivery_status.value == "replied"
    box = gmail.store.mailbox(tenant.account_email)
    wait_for(lambda: cursor(tenant) == box.history_id)
    with session_scope() as session:
        stored = session.exec(select(EmailMessage.history_id).where(EmailMessage.account_id == tenant.account_id))
        ids = [value for value in stored if value is not None]
    assert len(ids) == 2 and all(start < value <= box.history_id < 2**64 for value in ids)
    assert gmail.wait_for_pushes()
    pushes = [p for p in gmail.pusher.delivered if p.address == tenant.account_email]
    assert pushes and all(p.status == 204 and p.history_id > BASE for p in pushes)  # the webhook took each
