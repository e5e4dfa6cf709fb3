"""The operational endpoints: `GET /metrics` (Prometheus) and `GET /readyz` (database and broker answer).

`/healthz` (in api/app.py) says the process is alive; `/readyz` says it can do its work, so a
load balancer stops sending it requests while PostgreSQL or the broker is unreachable.
`/metrics` refreshes the gauges that describe state (queue lag, sync lag per account, webhook
backlog) from the database on each scrape, then exposes every family; when
PROMETHEUS_MULTIPROC_DIR is set it adds up the samples of every process writing there. Open
subscriptions are counted by the hub as they come and go (api.live), so that with several API
processes (api.processes) the sum covers every process, not only the one scraped.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import Any

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from sqlalchemy import func, literal
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.lifecycle import EmailStatus
from domain.records import AccountState, MailAccount, OutboundEmail, WebhookDelivery, WebhookDeliveryState, utcnow
from workers import metrics
from workers.readiness import ping_broker

READY_TIMEOUT = 2.0


async def readyz(request: Request) -> Response:
    """200 when the database and the broker both answer within two seconds each, 503 otherwise."""
    services = request.app.state.services
    checks: dict[str, str] = {}

    async def database() -> None:
        async with services.engine.connect() as connection:
            await connection.execute(sa_select(literal(1)))

    try:
        await asyncio.wait_for(database(), READY_TIMEOUT)
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unavailable: {type(error).__name__}"
    try:
        url = services.settings.broker_url
        await asyncio.wait_for(anyio.to_thread.run_sync(ping_broker, url, READY_TIMEOUT), READY_TIMEOUT + 0.5)
        checks["broker"] = "ok"
    except Exception as error:
        checks["broker"] = f"unavailable: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


async def refresh_state(services: Any, now: datetime | None = None) -> None:
    """Set the state gauges from the database (one aggregate query each)."""
    now = now or utcnow()
    E = OutboundEmail
    waiting_since = func.coalesce(col(E.next_attempt_at), col(E.first_queued_at), col(E.updated_at))
    async with services.sessions() as session:
        pending = (await session.exec(select(func.count()).where(col(E.status) == EmailStatus.PENDING))).one()
        oldest = (
            await session.exec(
                select(func.min(waiting_since)).where(
                    col(E.status) == EmailStatus.PENDING,
                    col(E.next_attempt_at).is_(None) | (col(E.next_attempt_at) <= now),
                )
            )
        ).one()
        accounts = (
            await session.exec(
                select(col(MailAccount.id), col(MailAccount.last_synced_at), col(MailAccount.created_at)).where(
                    col(MailAccount.state) == AccountState.ACTIVE
                )
            )
        ).all()
        backlog = (
            await session.exec(select(func.count()).where(col(WebhookDelivery.state) == WebhookDeliveryState.PENDING))
        ).one()
    metrics.PENDING_EMAILS.set(pending)
    metrics.QUEUE_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    metrics.SYNC_LAG.clear()
    for account_id, synced, created in accounts:
        metrics.SYNC_LAG.labels(str(account_id)).set(max(0.0, (now - (synced or created)).total_seconds()))
    metrics.WEBHOOK_BACKLOG.set(backlog)


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format."""
    await refresh_state(request.app.state.services)
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def ops_routes() -> list[Route]:
    """The routes api/app.py mounts next to /healthz."""
    return [Route("/metrics", metrics_endpoint), Route("/readyz", readyz)]
