"""One webhook attempt: claim the delivery, sign, check the target again, POST, record the result.

At least once, never in parallel: a claim (an attempt token written under the row lock) gives
one worker the attempt for `lease` seconds, longer than the HTTP timeout, so a second worker
can take over only after the first has given up. The attempt is logged whatever happens; the
delivery's state changes only if the claim still holds. A later event of the same email waits
until this one is delivered or given up, and is enqueued when it is.

Locks are taken in one order, a delivery's own row first, then earlier rows of its email
(lower seqs), then the endpoint's row, so two attempts never wait on each other in a circle.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.dispatch import Sessions
from domain.errors import DomainError
from domain.records import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
    WebhookEndpointState,
    WebhookMessage,
    utcnow,
)
from domain.webhooks import policy as rules
from domain.webhooks import signing
from domain.webhooks.endpoints import Decrypt, disable_for_failures, secrets_in_use
from domain.webhooks.messages import next_in_chain, waits_for_earlier
from domain.webhooks.ports import OutgoingRequest, Resolver, TransportResult, WebhookTransport
from domain.webhooks.targets import TargetPolicy, TargetRefused, allowed_addresses, parse_target

log = logging.getLogger("mailtrail.webhooks")
USER_AGENT = "Mailtrail-Webhooks/1.0"
EARLY_TOLERANCE = timedelta(milliseconds=50)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    """Given up: retried past the horizon."""
    WAIT = "wait"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    delay_seconds: float | None = None
    detail: str = ""
    follow_up: list[uuid.UUID] = field(default_factory=list)
    """Deliveries to enqueue now that this one is settled (the next event of the same email)."""
    status_code: int | None = None
    latency_ms: int | None = None
    refused: bool = False
    """The target was refused before any request (SSRF guard, no address)."""
    disabled_endpoint: bool = False


@dataclass(frozen=True)
class _Claim:
    token: uuid.UUID
    delivery_id: uuid.UUID
    webhook_id: str
    url: str
    secrets: list[str]
    body: bytes


@dataclass
class Deliverer:
    sessions: Sessions
    transport: WebhookTransport
    resolver: Resolver
    decrypt: Decrypt
    retry: rules.RetryPolicy
    targets: TargetPolicy
    timeout: float
    lease: timedelta
    clock: Callable[[], datetime] = utcnow
    jitter: Callable[[], float] = random.random

    def deliver(self, delivery_id: uuid.UUID) -> DeliveryResult:
        """Make one attempt of the delivery if it is due and first in its email's line."""
        claim = self._claim(delivery_id)
        if isinstance(claim, DeliveryResult):
            return claim
        refused = False
        try:
            target = parse_target(claim.url, self.targets)
            addresses = allowed_addresses(target.host, self.resolver.resolve(target.host, target.port), self.targets)
        except (DomainError, TargetRefused) as error:
            refused = True
            answer = TransportResult(None, 0, f"refused: {getattr(error, 'message', None) or error}")
        else:
            timestamp = int(self.clock().timestamp())
            headers = signing.headers(claim.secrets, claim.webhook_id, timestamp, claim.body)
            headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
            answer = self.transport.post(OutgoingRequest(target, addresses, headers, claim.body, self.timeout))
        return self._record(claim, answer, refused)

    def _claim(self, delivery_id: uuid.UUID) -> _Claim | DeliveryResult:
        now = self.clock()
        with self.sessions() as session:
            delivery = session.exec(
                select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
            ).first()
            if delivery is None or delivery.state != WebhookDeliveryState.PENDING:
                return DeliveryResult(Outcome.SKIPPED, detail="not pending")
            held = delivery.attempt_started_at
            if delivery.attempt_token is not None and held is not None and held > now - self.lease:
                return DeliveryResult(Outcome.SKIPPED, detail="another worker holds the attempt")
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            if endpoint is None or endpoint.state != WebhookEndpointState.ACTIVE:
                return DeliveryResult(Outcome.SKIPPED, detail="endpoint disabled: kept until it is enabled")
            if delivery.next_attempt_at > now + EARLY_TOLERANCE:
                return DeliveryResult(Outcome.WAIT, (delivery.next_attempt_at - now).total_seconds(), "not yet due")
            if waits_for_earlier(session, delivery):
                return DeliveryResult(Outcome.SKIPPED, detail="waits for an earlier event of the same email")
            message = session.get(WebhookMessage, delivery.seq)
            if message is None:  # removed by retention while pending: nothing left to send
                delivery.state = WebhookDeliveryState.FAILED
                delivery.last_error = "the message is no longer stored"
                session.add(delivery)
                return DeliveryResult(Outcome.FAILED, detail="message gone")
            token = uuid.uuid4()
            delivery.attempt_token = token
            delivery.attempt_started_at = now
            delivery.attempts += 1
            session.add(delivery)
            return _Claim(
                token=token,
                delivery_id=delivery.id,
                webhook_id=delivery.webhook_id,
                url=endpoint.url,
                secrets=secrets_in_use(endpoint, self.decrypt, now),
                body=message.body.encode(),
            )

    def _record(self, claim: _Claim, answer: TransportResult, refused: bool) -> DeliveryResult:
        now = self.clock()

        def result(outcome: Outcome, **more: Any) -> DeliveryResult:
            return DeliveryResult(
                outcome, status_code=answer.status_code, latency_ms=answer.latency_ms, refused=refused, **more
            )

        with self.sessions() as session:
            delivery = session.exec(
                select(WebhookDelivery).where(WebhookDelivery.id == claim.delivery_id).with_for_update()
            ).first()
            if delivery is None:
                return result(Outcome.SKIPPED, detail="delivery deleted meanwhile")
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    attempted_at=now,
                    status_code=answer.status_code,
                    latency_ms=answer.latency_ms,
                    error=answer.error,
                )
            )
            if delivery.attempt_token != claim.token or delivery.state != WebhookDeliveryState.PENDING:
                return result(Outcome.SKIPPED, detail="the claim was taken over")
            delivery.attempt_token = None
            delivery.last_attempt_at = now
            delivery.last_status_code = answer.status_code
            delivery.last_latency_ms = answer.latency_ms
            delivery.last_error = answer.error
            session.add(delivery)
            if rules.is_success(answer.status_code):
                delivery.state = WebhookDeliveryState.DELIVERED
                delivery.delivered_at = now
                E = WebhookEndpoint
                session.execute(
                    update(E)
                    .where(col(E.id) == delivery.endpoint_id)
                    .where((col(E.failing_since).is_not(None)) | (col(E.consecutive_failures) != 0))
                    .values(failing_since=None, consecutive_failures=0)
                )
                follow = next_in_chain(session, delivery)
                return result(Outcome.DELIVERED, follow_up=[follow] if follow else [])
            disabled = self._count_failure(session, delivery.endpoint_id, now)
            retry_at = rules.next_attempt(delivery.series_started_at, now, delivery.attempts, self.retry, self.jitter())
            if retry_at is None:
                delivery.state = WebhookDeliveryState.FAILED
                follow = next_in_chain(session, delivery)
                return result(
                    Outcome.FAILED,
                    detail=answer.error or f"HTTP {answer.status_code}",
                    follow_up=[follow] if follow else [],
                    disabled_endpoint=disabled,
                )
            delivery.next_attempt_at = retry_at
            return result(
                Outcome.RETRY,
                delay_seconds=(retry_at - now).total_seconds(),
                detail=answer.error or f"HTTP {answer.status_code}",
                disabled_endpoint=disabled,
            )

    def _count_failure(self, session: Session, endpoint_id: uuid.UUID, now: datetime) -> bool:
        """One more failure for the endpoint; disable it (with a notice) after sustained failure."""
        endpoint = session.exec(
            select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).with_for_update()
        ).one()
        endpoint.failing_since = endpoint.failing_since or now
        endpoint.consecutive_failures += 1
        session.add(endpoint)
        if endpoint.state == WebhookEndpointState.ACTIVE and rules.should_disable(
            endpoint.failing_since, now, self.retry
        ):
            disable_for_failures(session, endpoint, now)
            log.warning(
                "webhook endpoint %s of %s disabled after sustained failure", endpoint.id, endpoint.organization_id
            )
            return True
        return False
