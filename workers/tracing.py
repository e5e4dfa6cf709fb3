"""OpenTelemetry tracing, off unless `tracing` is set: one provider per process, exported in batches.

Instrumented: HTTP requests (the ASGI middleware in api/observability.py), SQL statements
(SQLAlchemy), Dramatiq messages (the middleware in workers/observability.py carries the trace
context from the mutation that enqueued a message into the worker that runs it), Gmail calls
(workers/instrumented.py) and webhook attempts.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from domain.settings import Settings

log = logging.getLogger("mailtrail.tracing")
_lock = threading.Lock()
_configured = False


def setup_tracing(settings: Settings, service: str, exporter: Any = None) -> bool:
    """Install the tracer provider and the SQLAlchemy instrumentation once; False when tracing is off.

    `exporter` replaces the configured one (tests keep spans in memory).
    """
    global _configured
    if not settings.tracing:
        return False
    with _lock:
        if _configured:
            return True
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": f"mailtrail-{service}"}))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        elif settings.tracing_exporter == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _configured = True
        log.info("tracing on (%s exporter)", settings.tracing_exporter)
        return True


def is_on() -> bool:
    """Whether this process installed a tracer provider (without one, every span is a no-op)."""
    return _configured


_engines: set[int] = set()


def instrument_engine(engine: Any) -> None:
    """Trace the statements of one (sync) engine, once.

    Engine by engine rather than SQLAlchemyInstrumentor().instrument(), which patches
    `create_engine` only where modules had not imported it yet, and instruments once per process.
    """
    with _lock:
        if id(engine) in _engines:
            return
        from opentelemetry import metrics, trace
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

        usage = metrics.get_meter("mailtrail.sql").create_up_down_counter("db.client.connections.usage")
        EngineTracer(trace.get_tracer("mailtrail.sql"), engine, usage, False, {}, False)  # type: ignore[no-untyped-call]
        _engines.add(id(engine))
