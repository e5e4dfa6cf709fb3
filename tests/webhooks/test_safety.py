"""The SSRF guard where it matters (the API in production settings, and each attempt), and disabling."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from domain.records import (
    OutboundEmailEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
    WebhookEndpointState,
    WebhookNotice,
    utcnow,
)
from domain.settings import Settings
from domain.webhooks.attempt import Deliverer, Outcome
from domain.webhooks.endpoints import EndpointFields, create_endpoint
from domain.webhooks.fanout import fan_out
from domain.webhooks.policy import RetryPolicy
from domain.webhooks.ports import OutgoingRequest, TransportResult
from domain.webhooks.targets import TargetPolicy
from tests.conftest import REDIS_URL, TEST_DB_URL
from tests.factories import gql, make_tenant
from tests.webhooks.conftest import CREATE
from workers.credentials import CredentialCipher
from workers.db import session_scope

REAL_KEY = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="
PRODUCTION = TargetPolicy(require_https=True, allow_private=False)


@dataclass
class FakeResolver:
    answers: dict[str, list[str]] = field(default_factory=dict)

    def resolve(self, host: str, port: int) -> list[str]:
        return list(self.answers.get(host, []))


@dataclass
class FakeTransport:
    status: int = 200
    requests: list[OutgoingRequest] = field(default_factory=list)

    def post(self, request: OutgoingRequest) -> TransportResult:
        self.requests.append(request)
        return TransportResult(self.status, 3, None if self.status < 300 else f"HTTP {self.status}")


@pytest.fixture
async def production_client(settings):  # type: ignore[no-untyped-def]
    from api.app import create_app

    production = Settings(
        env="production",
        database_url=TEST_DB_URL,
        broker_url=REDIS_URL,
        credentials_keys=REAL_KEY,  # type: ignore[arg-type]
        context_provider_signing_key="a-real-provider-signing-secret",  # type: ignore[arg-type]
    )
    app = create_app(production)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    await app.state.services.engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://10.1.2.3/hook", "private address"),
        ("https://localhost:8443/hook", "private address"),
        ("https://[fe80::1]/hook", "private address"),
        ("http://hooks.example.com/hook", "must use https"),
    ],
)
async def test_the_api_in_production_refuses_private_and_plain_http_targets(production_client, url, message) -> None:
    tenant = make_tenant()
    body = await gql(production_client, CREATE, {"i": {"url": url}}, tenant.token)
    refused = body["data"]["createWebhookEndpoint"]
    assert (refused["__typename"], refused["code"], refused["field"]) == ("ValidationError", "URL_NOT_ALLOWED", "url")
    assert message in refused["message"]
    with session_scope() as session:
        assert session.exec(select(WebhookEndpoint)).all() == []


def deliverer(resolver: FakeResolver, transport: FakeTransport, targets: TargetPolicy, **retry: float) -> Deliverer:
    rules = {"base": 1.0, "cap": 10.0, "horizon": 3600.0, "disable_after": 3600.0, **retry}
    return Deliverer(
        sessions=session_scope,
        transport=transport,
        resolver=resolver,
        decrypt=CredentialCipher([REAL_KEY]).decrypt,
        retry=RetryPolicy(**rules),
        targets=targets,
        timeout=2,
        lease=timedelta(seconds=11),
    )


def endpoint_with_one_delivery(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """An endpoint (saved when its name still resolved publicly) and a fanned-out delivery to it."""
    tenant = make_tenant()
    cipher = CredentialCipher([REAL_KEY])
    with session_scope() as session:
        endpoint, _secret = create_endpoint(
            session, tenant.organization_id, EndpointFields(url=url), PRODUCTION, cipher.encrypt
        )
        endpoint_id = endpoint.id
    with session_scope() as session:
        session.add(
            OutboundEmailEvent(
                organization_id=tenant.organization_id, email_id=uuid.uuid4(), kind="created", actor="test"
            )
        )
    with session_scope() as session:
        (delivery,) = fan_out(session).deliveries
    return endpoint_id, delivery.id


def test_a_name_repointed_to_a_private_address_is_refused_before_any_request(db) -> None:  # type: ignore[no-untyped-def]
    _endpoint, delivery_id = endpoint_with_one_delivery("https://hooks.example.com/in")
    resolver = FakeResolver({"hooks.example.com": ["169.254.169.254"]})  # re-pointed after it was saved
    transport = FakeTransport()
    result = deliverer(resolver, transport, PRODUCTION).deliver(delivery_id)
    assert result.refused and result.outcome == Outcome.RETRY
    assert transport.requests == []
    with session_scope() as session:
        (attempt,) = session.exec(select(WebhookAttempt)).all()
        assert attempt.status_code is None and "non-public address" in (attempt.error or "")

    resolver.answers["hooks.example.com"] = ["93.184.216.34"]
    with session_scope() as session:  # due again now
        row = session.get(WebhookDelivery, delivery_id)
        row.next_attempt_at = utcnow()  # type: ignore[union-attr]
        session.add(row)
    result = deliverer(resolver, transport, PRODUCTION).deliver(delivery_id)
    assert result.outcome == Outcome.DELIVERED
    (request,) = transport.requests
    assert request.addresses == ["93.184.216.34"] and request.target.host == "hooks.example.com"
    assert request.headers["webhook-id"].startswith("msg_")


def test_an_endpoint_failing_for_too_long_is_disabled_with_a_notice(db) -> None:  # type: ignore[no-untyped-def]
    endpoint_id, delivery_id = endpoint_with_one_delivery("https://hooks.example.com/in")
    with session_scope() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        endpoint.failing_since = utcnow() - timedelta(hours=2)  # type: ignore[union-attr]
        session.add(endpoint)
    resolver = FakeResolver({"hooks.example.com": ["93.184.216.34"]})
    result = deliverer(resolver, FakeTransport(status=503), PRODUCTION).deliver(delivery_id)
    assert result.disabled_endpoint and result.outcome == Outcome.RETRY
    with session_scope() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None and endpoint.state == WebhookEndpointState.DISABLED
        assert "every delivery failed since" in (endpoint.disabled_reason or "")
        (notice,) = session.exec(select(WebhookNotice)).all()
        assert notice.endpoint_id == endpoint_id and notice.kind == "endpoint_disabled"
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None and delivery.state == WebhookDeliveryState.PENDING  # kept for later
        delivery.next_attempt_at = utcnow()
        session.add(delivery)
    skipped = deliverer(resolver, FakeTransport(), PRODUCTION).deliver(delivery_id)
    assert skipped.outcome == Outcome.SKIPPED and "disabled" in skipped.detail
