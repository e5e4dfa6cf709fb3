"""Tracing carries one trace from the sendEmail request into the worker's send and its Gmail call."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import wait_for
from tests.e2e.helpers import send, status_is
from tests.factories import make_connected_tenant


@pytest.fixture
def spans(settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Tracing on for this test, spans kept in memory; instrumentation removed afterwards."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import workers.tracing as tracing

    exporter = InMemorySpanExporter()
    assert tracing.setup_tracing(settings.model_copy(update={"tracing": True}), "test", exporter=exporter)
    yield exporter
    # The engines traced in the test would otherwise go on ending spans on the shut provider, whose
    # warnings then went to a stream pytest had closed ("--- Logging error ---" in later tests).
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    EngineTracer.remove_all_event_listeners()  # type: ignore[no-untyped-call]
    tracing._engines.clear()
    provider = trace.get_tracer_provider()
    getattr(provider, "shutdown", lambda: None)()
    tracing._configured = False


async def test_the_trace_of_a_mutation_continues_in_the_worker(settings, spans, gmail, worker) -> None:
    import workers.broker  # noqa: F401 - the broker, with the observability middleware
    from api.app import create_app
    from api.observability import wrap

    traced = settings.model_copy(update={"tracing": True})
    app = create_app(traced)
    tenant = make_connected_tenant(gmail)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrap(app, traced)), base_url="http://t") as http:
        result = await send(http, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Hi")
    email_id = result["outboundEmail"]["id"]
    wait_for(status_is(email_id, "SENT"))

    def finished() -> list[object]:
        names = {s.name for s in spans.get_finished_spans()}  # type: ignore[attr-defined]
        return ["dramatiq send_email" in names and "gmail.send" in names] if "gmail.send" in names else []

    wait_for(lambda: any(finished()))
    await app.state.services.engine.dispose()
    by_name = {}
    for span in spans.get_finished_spans():  # type: ignore[attr-defined]
        by_name.setdefault(span.name, span)
    request = next(s for s in spans.get_finished_spans() if s.kind.name == "SERVER")  # type: ignore[attr-defined]
    job, gmail_call = by_name["dramatiq send_email"], by_name["gmail.send"]
    assert job.context.trace_id == request.context.trace_id
    assert gmail_call.context.trace_id == request.context.trace_id
    assert gmail_call.parent is not None and gmail_call.parent.span_id == job.context.span_id
    statements = [s for s in spans.get_finished_spans() if s.attributes.get("db.statement")]  # type: ignore[attr-defined]
    assert any(s.context.trace_id == request.context.trace_id for s in statements)  # the mutation's SQL
    assert any(s.context.trace_id == job.context.trace_id and s is not job for s in statements)  # the worker's
