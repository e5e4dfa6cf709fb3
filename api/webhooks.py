"""Webhook endpoints over GraphQL: create, list, change, rotate, delete, and redeliver from a cursor."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

import anyio.to_thread
import strawberry
from sqlmodel import col, select

from api.context import Context
from api.errors import NotFoundError, ValidationError, member_of
from api.inputs import parse_id
from api.runner import run_use_case
from api.types import Info
from api.update_types import OutboundEmailUpdateKind
from api.webhook_types import WebhookEndpoint, WebhookNotice
from domain import records
from domain.errors import DomainError, ErrorCode
from domain.updates import UpdateKind
from domain.webhooks import endpoints
from domain.webhooks.maintenance import pending_heads
from domain.webhooks.redeliver import redeliver
from domain.webhooks.targets import TargetPolicy, TargetRefused, allowed_addresses, parse_target
from workers.webhook_http import DnsResolver
from workers.webhooks import enqueue_deliveries, target_policy


@strawberry.input(description="A new webhook endpoint.")
class WebhookEndpointInput:
    url: str = strawberry.field(description="HTTPS URL (http and private addresses only outside production).")
    event_kinds: list[OutboundEmailUpdateKind] | None = strawberry.field(
        default=None, description="The update kinds to receive; null (the default) for every kind."
    )
    context_type: str | None = strawberry.field(default=None, description="Only emails with this contextType.")
    description: str | None = strawberry.field(default=None, description="A note for yourself.")


@strawberry.input(description="A partial edit of an endpoint: only the fields you give change.")
class WebhookEndpointPatch:
    url: str | None = strawberry.field(default=strawberry.UNSET, description="A new URL.")
    event_kinds: list[OutboundEmailUpdateKind] | None = strawberry.field(
        default=strawberry.UNSET, description="The kinds to receive; null for every kind."
    )
    context_type: str | None = strawberry.field(default=strawberry.UNSET, description="null: every context.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="A note for yourself.")
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="true re-activates a disabled endpoint (its pending deliveries resume)."
    )


@strawberry.type(description="The endpoint, and its signing secret: shown this once, store it now.")
class WebhookEndpointCreated:
    endpoint: WebhookEndpoint = strawberry.field(description="The new endpoint.")
    secret: str = strawberry.field(description="The `whsec_` secret to verify signatures with (Standard Webhooks).")


@strawberry.type(description="The endpoint after the change.")
class WebhookEndpointUpdated:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint as it is now.")


@strawberry.type(description="The endpoint is gone, with its deliveries and their log.")
class WebhookEndpointDeleted:
    id: strawberry.ID = strawberry.field(description="The deleted endpoint's id.")


@strawberry.type(description="A new secret; the previous one keeps working until previousSecretExpiresAt.")
class WebhookSecretRotated:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(description="The new `whsec_` secret: shown this once.")


@strawberry.type(description="What was queued again.")
class WebhooksRedelivered:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    count: int = strawberry.field(description="Deliveries queued again.")
    complete: bool = strawberry.field(description="False when more remain: call again with `since: cursor`.")
    cursor: str | None = strawberry.field(description="With `since`: every event considered so far.")


CreateResult = Annotated[
    WebhookEndpointCreated | ValidationError,
    strawberry.union("CreateWebhookEndpointResult", description="The endpoint and its secret, or why it was refused."),
]
UpdateResult = Annotated[
    WebhookEndpointUpdated | ValidationError | NotFoundError,
    strawberry.union("UpdateWebhookEndpointResult", description="The endpoint after the change, or why not."),
]
DeleteResult = Annotated[
    WebhookEndpointDeleted | ValidationError | NotFoundError,
    strawberry.union("DeleteWebhookEndpointResult", description="The deleted endpoint's id, or why not."),
]
RotateResult = Annotated[
    WebhookSecretRotated | ValidationError | NotFoundError,
    strawberry.union("RotateWebhookSecretResult", description="The new secret, or why not."),
]
RedeliverResult = Annotated[
    WebhooksRedelivered | ValidationError | NotFoundError,
    strawberry.union("RedeliverWebhooksResult", description="What was queued again, or why nothing was."),
]


def _kinds(kinds: list[OutboundEmailUpdateKind] | None) -> list[UpdateKind] | None:
    return [UpdateKind(k.value) for k in kinds] if kinds is not None else None


async def screen(url: str, policy: TargetPolicy) -> None:
    """Refuse a URL whose name resolves to a private address now (it is checked again at each delivery)."""
    target = parse_target(url, policy)
    if policy.allow_private:
        return
    found = await anyio.to_thread.run_sync(lambda: DnsResolver().resolve(target.host, target.port))
    if found:
        try:
            allowed_addresses(target.host, found, policy)
        except TargetRefused as refused:
            raise DomainError(ErrorCode.URL_NOT_ALLOWED, str(refused), "url") from None


def _enqueue(ctx: Context, ids: list[uuid.UUID]) -> None:
    enqueue: Any = ctx.services.extras.get("enqueue_webhooks", enqueue_deliveries)
    enqueue(ids)


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your organization's webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        E = records.WebhookEndpoint
        rows = await info.context.fetch(
            select(E).where(E.organization_id == info.context.organization_id).order_by(col(E.created_at))
        )
        return [WebhookEndpoint.from_row(r) for r in rows]

    @strawberry.field(description="Notices about your webhooks (e.g. an endpoint disabled), newest first.")
    async def webhook_notices(
        self, info: Info, first: Annotated[int, strawberry.argument(description="At most 100.")] = 20
    ) -> list[WebhookNotice]:
        N = records.WebhookNotice
        rows = await info.context.fetch(
            select(N)
            .where(N.organization_id == info.context.organization_id)
            .order_by(col(N.created_at).desc())
            .limit(max(1, min(first, 100)))
        )
        return [
            WebhookNotice(
                id=strawberry.ID(str(r.id)),
                endpoint_id=strawberry.ID(str(r.endpoint_id)) if r.endpoint_id else None,
                kind=r.kind,
                message=r.message,
                created_at=r.created_at,
            )
            for r in rows
        ]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Register a webhook endpoint; the answer carries its signing secret, once.")
    async def create_webhook_endpoint(
        self, info: Info, input: Annotated[WebhookEndpointInput, strawberry.argument(description="The endpoint.")]
    ) -> CreateResult:
        ctx = info.context
        policy = target_policy(ctx.settings)
        fields = endpoints.EndpointFields(
            url=input.url,
            event_kinds=_kinds(input.event_kinds),
            context_type=input.context_type,
            description=input.description,
        )
        encrypt = ctx.services.cipher().encrypt
        try:
            await screen(input.url, policy)
            row, secret = await run_use_case(
                ctx, lambda s: endpoints.create_endpoint(s, ctx.organization_id, fields, policy, encrypt)
            )
        except DomainError as error:
            return member_of(error, CreateResult)  # type: ignore[no-any-return]
        return WebhookEndpointCreated(endpoint=WebhookEndpoint.from_row(row), secret=secret)

    @strawberry.mutation(description="Change an endpoint; `enabled: true` re-activates a disabled one.")
    async def update_webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")],
        input: Annotated[WebhookEndpointPatch, strawberry.argument(description="What changes.")],
    ) -> UpdateResult:
        ctx = info.context
        policy = target_policy(ctx.settings)
        changes: dict[str, Any] = {}
        for name in ("url", "context_type", "description", "enabled"):
            value = getattr(input, name)
            if value is not strawberry.UNSET:
                changes[name] = value
        if input.event_kinds is not strawberry.UNSET:
            changes["event_kinds"] = _kinds(input.event_kinds)
        try:
            endpoint_id = parse_id(id, "id")
            if changes.get("url") is not None:
                await screen(changes["url"], policy)

            def use_case(session):  # type: ignore[no-untyped-def]
                row = endpoints.update_endpoint(session, ctx.organization_id, endpoint_id, changes, policy)
                resume = pending_heads(session, row.id) if changes.get("enabled") is True else []
                return row, resume

            row, resume = await run_use_case(ctx, use_case)
        except DomainError as error:
            return member_of(error, UpdateResult)  # type: ignore[no-any-return]
        _enqueue(ctx, resume)
        return WebhookEndpointUpdated(endpoint=WebhookEndpoint.from_row(row))

    @strawberry.mutation(description="Delete an endpoint with its deliveries and their log.")
    async def delete_webhook_endpoint(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")]
    ) -> DeleteResult:
        ctx = info.context
        try:
            endpoint_id = parse_id(id, "id")
            await run_use_case(ctx, lambda s: endpoints.delete_endpoint(s, ctx.organization_id, endpoint_id))
        except DomainError as error:
            return member_of(error, DeleteResult)  # type: ignore[no-any-return]
        return WebhookEndpointDeleted(id=strawberry.ID(str(endpoint_id)))

    @strawberry.mutation(description="A new signing secret; the current one stays valid for previousSecretValidHours.")
    async def rotate_webhook_endpoint_secret(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")],
        previous_secret_valid_hours: Annotated[
            int, strawberry.argument(description="How long the current secret still signs too (0 to 168).")
        ] = 24,
    ) -> RotateResult:
        ctx = info.context
        cipher = ctx.services.cipher()
        try:
            endpoint_id = parse_id(id, "id")
            keep = timedelta(hours=previous_secret_valid_hours)
            row, secret = await run_use_case(
                ctx,
                lambda s: endpoints.rotate_secret(
                    s, ctx.organization_id, endpoint_id, keep, cipher.encrypt, cipher.decrypt
                ),
            )
        except DomainError as error:
            return member_of(error, RotateResult)  # type: ignore[no-any-return]
        return WebhookSecretRotated(endpoint=WebhookEndpoint.from_row(row), secret=secret)

    @strawberry.mutation(
        description=(
            "Deliver again every event not in `since` (a cursor from a webhook's data.cursor or a subscription "
            "update), with the same webhook-ids; without `since`, retry the deliveries that were given up."
        )
    )
    async def redeliver_webhooks(
        self,
        info: Info,
        endpoint_id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint to deliver to.")],
        since: Annotated[str | None, strawberry.argument(description="A cursor: the events already received.")] = None,
    ) -> RedeliverResult:
        ctx = info.context
        try:
            parsed = parse_id(endpoint_id, "endpointId")

            def use_case(session):  # type: ignore[no-untyped-def]
                result = redeliver(session, ctx.organization_id, parsed, since)
                return result, endpoints.get_endpoint(session, ctx.organization_id, parsed)

            result, row = await run_use_case(ctx, use_case)
        except DomainError as error:
            return member_of(error, RedeliverResult)  # type: ignore[no-any-return]
        _enqueue(ctx, result.heads)
        return WebhooksRedelivered(
            endpoint=WebhookEndpoint.from_row(row), count=result.count, complete=result.complete, cursor=result.cursor
        )
