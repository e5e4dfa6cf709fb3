"""Pure webhook rules: signatures a standard verifier accepts, the SSRF guard, the retry schedule."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from domain.errors import DomainError
from domain.webhooks import policy, signing
from domain.webhooks.targets import TargetPolicy, TargetRefused, allowed_addresses, parse_target

PRODUCTION = TargetPolicy(require_https=True, allow_private=False)
DEVELOPMENT = TargetPolicy(require_https=False, allow_private=True)


def test_a_signed_message_verifies_with_the_standardwebhooks_package() -> None:
    secret = signing.new_secret()
    body = b'{"type":"outbound_email.created","data":{"x":"\xc3\xa9"}}'
    now = int(datetime.now(UTC).timestamp())
    headers = signing.headers([secret], "msg_1", now, body)
    assert Webhook(secret).verify(body, headers)["type"] == "outbound_email.created"
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(body + b" ", headers)


def test_during_a_rotation_either_secret_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b"{}"
    headers = signing.headers([new, old], "msg_2", int(datetime.now(UTC).timestamp()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers) == {}
    assert Webhook(new).verify(body, headers) == {}


def test_the_webhook_id_is_stable_per_event_and_endpoint() -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    assert signing.webhook_id(one, 7) == signing.webhook_id(one, 7)
    assert len({signing.webhook_id(one, 7), signing.webhook_id(one, 8), signing.webhook_id(two, 7)}) == 3
    assert signing.webhook_id(one, 7).startswith("msg_")


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://192.168.1.20:8443/x",
        "https://100.64.0.1/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused_in_production(url: str) -> None:
    with pytest.raises(DomainError, match="private address") as refused:
        parse_target(url, PRODUCTION)
    assert refused.value.code.value == "URL_NOT_ALLOWED"
    assert parse_target(url, DEVELOPMENT).host  # `make run` may post to them


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must use https"),
        ("ftp://hooks.example.com/x", "absolute http"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("hooks.example.com/x", "absolute http"),
        ("https://hooks.example.com/x y", "without spaces"),
        ("https://hooks.example.com:99999/x", "not a valid URL"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused_in_production(url: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_target(url, PRODUCTION)


def test_a_name_resolving_to_a_private_address_is_refused_at_delivery_time() -> None:
    assert allowed_addresses("hooks.example.com", ["93.184.216.34"], PRODUCTION) == ["93.184.216.34"]
    with pytest.raises(TargetRefused, match="non-public address"):
        allowed_addresses("hooks.example.com", ["93.184.216.34", "10.1.2.3"], PRODUCTION)
    with pytest.raises(TargetRefused, match="did not resolve"):
        allowed_addresses("hooks.example.com", [], PRODUCTION)
    assert allowed_addresses("localhost", ["127.0.0.1"], DEVELOPMENT) == ["127.0.0.1"]


def test_the_target_keeps_path_query_and_default_port() -> None:
    target = parse_target("https://Hooks.Example.com/in/mailtrail?k=1", PRODUCTION)
    assert (target.host, target.port, target.path) == ("hooks.example.com", 443, "/in/mailtrail?k=1")


DEFAULTS = policy.RetryPolicy(base=10, cap=12 * 3600, horizon=3 * 86400, disable_after=3 * 86400)


@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999])
def test_retries_grow_with_jitter_and_are_given_up_after_about_three_days(jitter: float) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now, attempts, delays = start, 1, []
    while (at := policy.next_attempt(start, now, attempts, DEFAULTS, jitter)) is not None:
        delays.append((at - now).total_seconds())
        now, attempts = at, attempts + 1
    assert delays[0] == pytest.approx(10 * (0.8 + 0.4 * jitter))
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) <= 12 * 3600 * 1.2
    assert timedelta(days=2) < now - start <= timedelta(days=3)
    assert 10 <= attempts <= 16


def test_an_endpoint_is_disabled_only_after_sustained_failure() -> None:
    now = datetime(2026, 1, 4, tzinfo=UTC)
    assert not policy.should_disable(None, now, DEFAULTS)
    assert not policy.should_disable(now - timedelta(days=2), now, DEFAULTS)
    assert policy.should_disable(now - timedelta(days=3), now, DEFAULTS)


@pytest.mark.parametrize(
    ("status", "ok"), [(200, True), (204, True), (299, True), (301, False), (500, False), (None, False)]
)
def test_only_a_2xx_answer_acknowledges(status: int | None, ok: bool) -> None:
    assert policy.is_success(status) is ok
