"""GraphQL shapes of webhook endpoints, their delivery log and the organization's notices."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from sqlmodel import col, select

from api.types import Info
from api.update_types import OutboundEmailUpdateKind
from domain import records


@strawberry.enum(description="Whether an endpoint receives deliveries.")
class WebhookEndpointState(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Receives deliveries.")
    DISABLED = strawberry.enum_value(
        "DISABLED",
        description="Receives nothing (by request, or after sustained failure); its pending deliveries wait.",
    )


@strawberry.enum(description="Where one delivery stands.")
class WebhookDeliveryState(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Not acknowledged yet: due, retrying or waiting its turn.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="The receiver answered 2xx.")
    FAILED = strawberry.enum_value("FAILED", description="Given up after retrying for the whole retry horizon.")


@strawberry.type(description="One HTTP attempt of a delivery.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When the attempt was made.")
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null when none came back.")
    latency_ms: int | None = strawberry.field(description="How long the receiver took to answer.")
    error: str | None = strawberry.field(description="What went wrong (timeout, refused target, the answer's start).")


@strawberry.type(description="One update sent (or to be sent) to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id.")
    webhook_id: str = strawberry.field(description="The `webhook-id` header: the same on every retry and redelivery.")
    kind: OutboundEmailUpdateKind = strawberry.field(description="The update's kind.")
    event: str = strawberry.field(description="The audit event behind the update.")
    email_id: strawberry.ID = strawberry.field(description="The email the update is about.")
    state: WebhookDeliveryState = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts in the current retry series.")
    next_attempt_at: datetime | None = strawberry.field(description="When a PENDING delivery is tried next.")
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    last_status_code: int | None = strawberry.field(description="The last HTTP status received.")
    last_latency_ms: int | None = strawberry.field(description="The last answer time.")
    last_error: str | None = strawberry.field(description="The last error, if the last attempt failed.")
    created_at: datetime = strawberry.field(description="When the delivery was created.")
    delivered_at: datetime | None = strawberry.field(description="When the receiver acknowledged it.")
    attempt_log: list[WebhookAttempt] = strawberry.field(description="Every attempt, oldest first.")


@strawberry.type(description="A page of an endpoint's delivery log, newest first.")
class WebhookDeliveryPage:
    items: list[WebhookDelivery] = strawberry.field(description="The deliveries of this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool = strawberry.field(description="Whether older deliveries follow.")


@strawberry.type(description="An HTTPS URL of your backend that receives your emails' updates, signed.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="The endpoint's id.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str | None = strawberry.field(description="Your note about it.")
    event_kinds: list[OutboundEmailUpdateKind] | None = strawberry.field(
        description="The kinds it receives; null for every kind."
    )
    context_type: str | None = strawberry.field(description="Only emails with this contextType; null for all.")
    state: WebhookEndpointState = strawberry.field(description="Whether it receives deliveries.")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled.")
    failing_since: datetime | None = strawberry.field(description="First failure since its last success.")
    consecutive_failures: int = strawberry.field(description="Failed attempts since its last success.")
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="Until when messages are also signed with the secret before the last rotation."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, row: records.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(row.id)),
            url=row.url,
            description=row.description,
            event_kinds=[OutboundEmailUpdateKind(k) for k in row.event_kinds] if row.event_kinds is not None else None,
            context_type=row.context_type,
            state=WebhookEndpointState(row.state.value),
            disabled_at=row.disabled_at,
            disabled_reason=row.disabled_reason,
            failing_since=row.failing_since,
            consecutive_failures=row.consecutive_failures,
            previous_secret_expires_at=row.previous_secret_expires_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The delivery log, newest event first.")
    async def deliveries(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, at most 100.")] = 20,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page.")] = None,
        state: Annotated[WebhookDeliveryState | None, strawberry.argument(description="Only this state.")] = None,
    ) -> WebhookDeliveryPage:
        D = records.WebhookDelivery
        limit = max(1, min(first, 100))
        query = select(D, records.WebhookMessage).join(
            records.WebhookMessage, col(records.WebhookMessage.seq) == col(D.seq)
        )
        query = query.where(D.endpoint_id == uuid.UUID(str(self.id)), D.organization_id == info.context.organization_id)
        if state is not None:
            query = query.where(D.state == records.WebhookDeliveryState(str(state.value)))
        if after is not None and after.isdigit():
            query = query.where(col(D.seq) < int(after))
        rows = await info.context.fetch(query.order_by(col(D.seq).desc()).limit(limit + 1))
        page = rows[:limit]
        attempts: dict[uuid.UUID, list[WebhookAttempt]] = {}
        if page:
            A = records.WebhookAttempt
            logged = await info.context.fetch(
                select(A).where(col(A.delivery_id).in_([d.id for d, _m in page])).order_by(col(A.id))
            )
            for item in logged:
                attempts.setdefault(item.delivery_id, []).append(
                    WebhookAttempt(
                        at=item.attempted_at, status_code=item.status_code, latency_ms=item.latency_ms, error=item.error
                    )
                )
        items = [
            WebhookDelivery(
                id=strawberry.ID(str(d.id)),
                webhook_id=d.webhook_id,
                kind=OutboundEmailUpdateKind(m.kind),
                event=m.event,
                email_id=strawberry.ID(str(d.email_id)),
                state=WebhookDeliveryState(d.state.value),
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at if d.state == records.WebhookDeliveryState.PENDING else None,
                last_attempt_at=d.last_attempt_at,
                last_status_code=d.last_status_code,
                last_latency_ms=d.last_latency_ms,
                last_error=d.last_error,
                created_at=d.created_at,
                delivered_at=d.delivered_at,
                attempt_log=attempts.get(d.id, []),
            )
            for d, m in page
        ]
        end = str(page[-1][0].seq) if page else None
        return WebhookDeliveryPage(items=items, end_cursor=end, has_next_page=len(rows) > limit)


@strawberry.type(description="Something your organization should know about its webhooks.")
class WebhookNotice:
    id: strawberry.ID = strawberry.field(description="The notice's id.")
    endpoint_id: strawberry.ID | None = strawberry.field(description="The endpoint it is about.")
    kind: str = strawberry.field(description="What happened (endpoint_disabled).")
    message: str = strawberry.field(description="A sentence for a person.")
    created_at: datetime = strawberry.field(description="When.")
