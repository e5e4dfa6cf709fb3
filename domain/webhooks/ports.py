"""The webhook machinery's ports to the outside: DNS and HTTP (adapters in workers/webhook_http.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.webhooks.targets import Target


@dataclass(frozen=True)
class OutgoingRequest:
    """A signed POST to one of the target's checked addresses."""

    target: Target
    addresses: list[str]
    headers: dict[str, str]
    body: bytes
    timeout: float


@dataclass(frozen=True)
class TransportResult:
    """What came back: a status code, or an error (timeout, refused connection, TLS) and no status."""

    status_code: int | None
    latency_ms: int
    error: str | None = None


class WebhookTransport(Protocol):
    def post(self, request: OutgoingRequest) -> TransportResult: ...


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to now (empty when it does not resolve)."""
        ...
