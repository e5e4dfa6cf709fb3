"""The Gmail adapter against the emulator's harder behaviours (issue 12): inner 429s in batches,
deleted messages, the two kinds of 404 from history.list, and a send search cannot see yet."""

from __future__ import annotations

import base64
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from domain.gateway import AccountRef, AuthRevoked, ConfigurationError, HistoryExpired, RateLimited
from domain.settings import get_settings
from tests.conftest import EMULATOR_URL
from workers.gmail.batch import ROUNDS
from workers.gmail.client import GmailGateway

HEADER = "X-Mailtrail-Id"


class Sleeps:
    """Records the backoffs the adapter asks for instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def connect(gmail: Any, scopes: list[str] | None = None) -> AccountRef:
    address = f"gw-{uuid.uuid4().hex[:8]}@mailtrail.test"
    gmail.create_mailbox(address)
    access, refresh = gmail.issue_token(address, scopes)
    return AccountRef(str(uuid.uuid4()), address, {"token": access, "refresh_token": refresh, "scopes": scopes})


def inbound(gmail: Any, account: AccountRef, count: int) -> list[str]:
    ids = []
    for n in range(count):
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "client@example.com", account.email, f"Note {n}"
        mail.set_content(f"body {n}")
        ids.append(gmail.inject(account.email, mail.as_bytes()).id)
    return ids


def outgoing(account: AccountRef, mailtrail_id: str) -> str:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = account.email, "client@example.com", "Invoice"
    mail[HEADER] = mailtrail_id
    mail.set_content("Please pay.")
    return base64.urlsafe_b64encode(mail.as_bytes()).decode()


def test_fetch_survives_inner_429s_by_retrying_only_the_refused_parts(gmail) -> None:
    account = connect(gmail)
    ids = inbound(gmail, account, 30)
    gmail.set_limits(batch_concurrency=3)
    refused_before, gets_before = gmail.router.refused_parts, _gets(gmail)
    sleeps = Sleeps()
    fetched = GmailGateway(get_settings(), sleep=sleeps).fetch(account, ids)
    assert [m.provider_message_id for m in fetched] == ids
    refused = gmail.router.refused_parts - refused_before
    assert refused > 0  # Gmail did refuse parts, and the fetch still returned every message
    assert _gets(gmail) - gets_before == len(ids) + refused  # each refused part retried alone, once per refusal
    assert sleeps.delays and sleeps.delays == sorted(sleeps.delays)  # backoff between rounds, growing


def test_fetch_skips_a_message_deleted_meanwhile_and_returns_the_others(gmail) -> None:
    account = connect(gmail)
    ids = inbound(gmail, account, 3)
    fetched = GmailGateway(get_settings(), sleep=Sleeps()).fetch(account, [ids[0], "00000000deadbeef", *ids[1:]])
    assert [m.provider_message_id for m in fetched] == ids


def test_a_part_refused_a_few_times_is_retried_and_the_fetch_succeeds(gmail) -> None:
    account = connect(gmail)
    ids = inbound(gmail, account, 4)
    for status, reason in ((429, "rateLimitExceeded"), (503, "backendError"), (403, "userRateLimitExceeded")):
        gmail.queue_fault("messages.get", status=status, reason=reason)
    fetched = GmailGateway(get_settings(), sleep=Sleeps()).fetch(account, ids)
    assert [m.provider_message_id for m in fetched] == ids


def test_a_part_gmail_keeps_refusing_fails_the_fetch_as_rate_limited_after_every_round(gmail) -> None:
    account = connect(gmail)
    ids = inbound(gmail, account, 1)
    for _ in range(ROUNDS):
        gmail.queue_fault("messages.get", status=429, reason="rateLimitExceeded")
    sleeps = Sleeps()
    with pytest.raises(RateLimited, match="rateLimitExceeded"):
        GmailGateway(get_settings(), sleep=sleeps).fetch(account, ids)
    assert len(sleeps.delays) == ROUNDS - 1


def test_an_inner_refusal_retrying_cannot_cure_fails_at_once(gmail) -> None:
    account = connect(gmail)
    ids = inbound(gmail, account, 2)
    gmail.queue_fault("messages.get", status=403, reason="insufficientPermissions")
    sleeps = Sleeps()
    with pytest.raises(AuthRevoked, match="insufficientPermissions"):
        GmailGateway(get_settings(), sleep=sleeps).fetch(account, ids)
    assert sleeps.delays == []


def test_an_expired_cursor_is_history_expired(gmail) -> None:
    account = connect(gmail)
    gateway = GmailGateway(get_settings())
    _address, cursor = gateway.profile(account)
    inbound(gmail, account, 1)
    gmail.expire_history(account.email)
    with pytest.raises(HistoryExpired, match="Requested entity was not found"):
        gateway.history(account, cursor, None)


@pytest.mark.parametrize("suffix", ["/wrong", "/gmail"])
def test_a_404_from_a_wrong_base_url_is_a_configuration_error_not_an_expired_cursor(gmail, suffix: str) -> None:
    account = connect(gmail)
    _address, cursor = GmailGateway(get_settings()).profile(account)
    misconfigured = GmailGateway(get_settings().model_copy(update={"gmail_api_url": EMULATOR_URL + suffix}))
    with pytest.raises(ConfigurationError, match="404 without Gmail's error body") as caught:
        misconfigured.history(account, cursor, None)
    assert not isinstance(caught.value, HistoryExpired)


def test_find_sent_since_confirms_a_send_that_search_cannot_see_yet(gmail) -> None:
    account = connect(gmail)
    gateway = GmailGateway(get_settings())
    gateway.send(account, outgoing(account, "earlier"), None)
    _address, before = gateway.profile(account)
    gmail.set_limits(search_lag_seconds=600)
    sent = gateway.send(account, outgoing(account, "email-1"), None)
    gateway.send(account, outgoing(account, "email-2"), None)
    inbound(gmail, account, 2)
    assert gateway.find_sent_by_header(account, HEADER, "email-1", _started_a_minute_ago()) is None
    found = gateway.find_sent_since(account, HEADER, "email-1", before)
    assert found is not None and found.provider_message_id == sent.provider_message_id
    assert "SENT" in found.label_ids
    assert gateway.find_sent_since(account, HEADER, "earlier", before) is None  # sent before the attempt
    assert gateway.find_sent_since(account, HEADER, "never-sent", before) is None


def test_find_sent_since_an_expired_history_id_says_so(gmail) -> None:
    account = connect(gmail)
    gateway = GmailGateway(get_settings())
    _address, before = gateway.profile(account)
    gateway.send(account, outgoing(account, "email-1"), None)
    gmail.expire_history(account.email)
    with pytest.raises(HistoryExpired, match=r"404|expired|notFound|not found"):
        gateway.find_sent_since(account, HEADER, "email-1", before)


def _gets(gmail: Any) -> int:
    return sum(1 for name, _user in list(gmail.router.calls) if name == "messages.get")


def _started_a_minute_ago() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(minutes=1)
