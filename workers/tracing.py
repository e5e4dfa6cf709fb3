"""OpenTelemetry tracing, off unless `tracing` is set: one provider per process, exported in batches.

Instrumented: HTTP requests (the ASGI middleware in api/observability.py), SQL statements
(SQLAlchemy), Dramatiq messages (the middleware in workers/observability.py carries the trace
context from the mutation that enqueued a message into the worker that runs it), Gmail calls
(workers/instrumented.py) and webhook attempts.
"""

from __future__ import annotations

import logging
import threading

from domain.settings import Settings

log = logging.getLogger("mailtrail.tracing")
_lock = threading.Lock()
_configured = False


def setup_tracing(settings: Settings, service: str) -> bool:
    """Install the tracer provider and the SQLAlchemy instrumentation once; False when tracing is off."""
    global _configured
    if not settings.tracing:
        return False
    with _lock:
        if _configured:
            return True
        from opentelemetry import trace
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

        provider = TracerProvider(resource=Resource.create({"service.name": f"mailtrail-{service}"}))
        exporter: SpanExporter
        if settings.tracing_exporter == "console":
            exporter = ConsoleSpanExporter()
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        SQLAlchemyInstrumentor().instrument()  # engines created from now on
        _configured = True
        log.info("tracing on (%s exporter)", settings.tracing_exporter)
        return True


def instrument_engine(engine: object) -> None:
    """Trace an engine created before tracing was set up (the API's own)."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine)
