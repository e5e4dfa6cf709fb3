"""The sync against Gmail's harder behaviours (issue 12): a large sync under batch concurrency
limits finishes in one run, and a 404 that is not Gmail's stops the sync without a resync."""

from __future__ import annotations

import logging
import uuid
from email.message import EmailMessage as MimeMessage
from typing import Any

import pytest
from sqlmodel import select

from domain.records import EmailMessage, MailAccount
from domain.settings import get_settings
from tests.conftest import EMULATOR_URL
from tests.factories import make_connected_tenant
from tests.workers.test_gmail_gateway import Sleeps
from workers import runtime
from workers.db import session_scope
from workers.gmail.client import GmailGateway
from workers.sync import SYNC_ERROR_PREFIX, Syncer


def syncer(api_url: str | None = None) -> Syncer:
    settings = get_settings()
    if api_url is not None:
        settings = settings.model_copy(update={"gmail_api_url": api_url})
    return Syncer(settings, session_scope, GmailGateway(settings, sleep=Sleeps()), runtime.cipher())


def inject(gmail: Any, address: str, count: int) -> None:
    for n in range(count):
        mail = MimeMessage()
        mail["From"], mail["To"], mail["Subject"] = f"client{n}@example.com", address, f"Question {n}"
        mail.set_content("Hello")
        gmail.inject(address, mail.as_bytes())


def account(account_id: uuid.UUID) -> MailAccount:
    with session_scope() as session:
        row = session.get(MailAccount, account_id)
        assert row is not None
        return row


def test_a_large_sync_under_gmails_batch_concurrency_ingests_everything_in_one_run(db: str, gmail) -> None:
    tenant = make_connected_tenant(gmail)
    inject(gmail, tenant.account_email, 120)
    gmail.set_limits(batch_concurrency=4)
    refused_before = gmail.router.refused_parts
    result = syncer().sync(tenant.account_id)
    assert result is not None and result.ran and result.ingested == 120 and not result.full_resync
    assert gmail.router.refused_parts > refused_before  # parts were refused, and retried, not the sync
    assert account(tenant.account_id).history_id == gmail.store.mailbox(tenant.account_email).history_id
    with session_scope() as session:
        stored = session.exec(select(EmailMessage).where(EmailMessage.account_id == tenant.account_id)).all()
    assert len(stored) == 120


@pytest.mark.parametrize("suffix", ["/wrong", "/gmail"])
def test_a_404_that_is_not_gmails_is_logged_and_recorded_and_never_resyncs(
    db: str, gmail, caplog: pytest.LogCaptureFixture, suffix: str
) -> None:
    tenant = make_connected_tenant(gmail)
    cursor = account(tenant.account_id).history_id
    inject(gmail, tenant.account_email, 2)
    with caplog.at_level(logging.ERROR, logger="mailtrail.sync"):
        result = syncer(EMULATOR_URL + suffix).sync(tenant.account_id)
    assert result is not None and not result.ran and not result.full_resync
    assert result.error is not None and "404" in result.error
    row = account(tenant.account_id)
    assert row.history_id == cursor  # the cursor is kept: fixing the URL resumes where it stopped
    assert row.watch_error is not None and row.watch_error.startswith(SYNC_ERROR_PREFIX)
    assert "is the Gmail API URL right?" in row.watch_error
    assert any("misconfigured" in record.getMessage() for record in caplog.records)
    repaired = syncer().sync(tenant.account_id)
    assert repaired is not None and repaired.ingested == 2 and not repaired.full_resync
    assert account(tenant.account_id).watch_error is None


def test_a_good_sync_leaves_a_watch_error_that_is_not_its_own(db: str, gmail) -> None:
    tenant = make_connected_tenant(gmail, watch_error="watch failed: topic not found")
    inject(gmail, tenant.account_email, 1)
    result = syncer().sync(tenant.account_id)
    assert result is not None and result.ingested == 1
    assert account(tenant.account_id).watch_error == "watch failed: topic not found"


def test_gmails_own_not_found_for_the_cursor_still_runs_a_full_resync(db: str, gmail) -> None:
    tenant = make_connected_tenant(gmail)
    inject(gmail, tenant.account_email, 3)
    gmail.expire_history(tenant.account_email)
    result = syncer().sync(tenant.account_id)
    assert result is not None and result.full_resync and result.ingested == 3
    assert account(tenant.account_id).watch_error is None
