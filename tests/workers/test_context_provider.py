"""The provider adapter: signed GETs, a short cache, and a readable error for every failure."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from domain.content.signing import provider_secret
from domain.context_provider import ContextProviderError, ProviderRequest
from tests.provider_server import ProviderServer
from workers.context_provider import HttpContextProvider

KEY = "test-signing-key"
ORG = uuid.uuid4()


@pytest.fixture
def app_server() -> Iterator[ProviderServer]:
    server = ProviderServer().start()
    server.secret = provider_secret(KEY, ORG, "invoice")
    yield server
    server.stop()


def provider(**options: object) -> HttpContextProvider:
    return HttpContextProvider(KEY, allow_private=True, **options)  # type: ignore[arg-type]


def request(server: ProviderServer, entity: uuid.UUID) -> ProviderRequest:
    return ProviderRequest(server.url, ORG, "invoice", entity)


def test_a_signed_request_gets_the_entity_and_is_cached(app_server: ProviderServer) -> None:
    entity = uuid.uuid4()
    app_server.entities[("invoice", str(entity))] = {"status": "open"}
    adapter = provider()
    assert adapter.fetch(request(app_server, entity)) == {"status": "open"}
    assert app_server.requests[0]["signed"] is True
    assert app_server.requests[0]["query"] == {"contextType": "invoice", "contextId": str(entity)}
    app_server.entities[("invoice", str(entity))] = {"status": "paid"}
    assert adapter.fetch(request(app_server, entity)) == {"status": "open"}  # cached
    assert len(app_server.requests) == 1
    assert adapter.fetch(request(app_server, entity), fresh=True) == {"status": "paid"}
    assert len(app_server.requests) == 2


def test_another_organizations_secret_does_not_verify(app_server: ProviderServer) -> None:
    entity = uuid.uuid4()
    app_server.entities[("invoice", str(entity))] = {"status": "open"}
    stranger = ProviderRequest(app_server.url, uuid.uuid4(), "invoice", entity)
    with pytest.raises(ContextProviderError, match="HTTP 401"):
        provider().fetch(stranger)
    assert app_server.requests[0]["signed"] is False


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({}, "has no invoice"),
        ({"status": 503}, "answered HTTP 503"),
        ({"raw_body": b"<html>"}, "not JSON"),
        ({"raw_body": b"[1, 2]"}, "not a JSON object"),
    ],
)
def test_failures_are_typed_and_readable(app_server: ProviderServer, setup: dict[str, object], message: str) -> None:
    for name, value in setup.items():
        setattr(app_server, name, value)
    with pytest.raises(ContextProviderError, match=message):
        provider().fetch(request(app_server, uuid.uuid4()))


def test_a_slow_provider_times_out(app_server: ProviderServer) -> None:
    app_server.delay = 1.0
    with pytest.raises(ContextProviderError, match=r"no answer within 0\.2 s"):
        provider(timeout=0.2).fetch(request(app_server, uuid.uuid4()))


def test_an_unreachable_provider_is_reported() -> None:
    unreachable = ProviderRequest("http://127.0.0.1:9/x", ORG, "invoice", uuid.uuid4())
    with pytest.raises(ContextProviderError, match="could not be reached"):
        provider().fetch(unreachable)


def test_in_production_a_private_address_is_refused(app_server: ProviderServer) -> None:
    with pytest.raises(ContextProviderError, match="private address"):
        HttpContextProvider(KEY, allow_private=False).fetch(request(app_server, uuid.uuid4()))
    assert app_server.requests == []
