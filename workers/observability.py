"""Dramatiq middleware: log context, trace context and a liveness heartbeat for worker processes.

- Log context: the email or account an actor works on is bound for the lines it logs.
- Trace context: `before_enqueue` writes the current context into the message's options
  (W3C traceparent), `before_process_message` continues it in a span around the actor, so a
  mutation and the worker's send appear in one trace.
- Heartbeat: each worker process touches a file every few seconds; `mailtrail liveness worker`
  (the container's health check) reads its age. A hung process stops touching it.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import dramatiq
from dramatiq.broker import Broker, MessageProxy
from dramatiq.message import Message

from domain.settings import get_settings
from workers import logs, tracing

log = logging.getLogger("mailtrail.workers")
HEARTBEAT_EVERY = 5.0
ARGUMENT_FIELDS = {"send_email": "email_id", "sync_account": "account_id"}
TRACE_OPTION = "mailtrail_trace"


def heartbeat_path(role: str) -> Path:
    return Path(os.environ.get("MAILTRAIL_HEARTBEAT_DIR", tempfile.gettempdir())) / f"mailtrail-{role}.alive"


def touch(role: str) -> None:
    heartbeat_path(role).touch()


class Observability(dramatiq.Middleware):
    def __init__(self) -> None:
        self._spans = threading.local()

    # -- process and worker boot ------------------------------------------------------------

    def after_process_boot(self, broker: Broker) -> None:
        settings = get_settings()
        logs.reformat_existing(settings.log_format, settings.log_level)
        from workers.db import get_engine
        from workers.tracing import instrument_engine, setup_tracing

        if setup_tracing(settings, "worker"):
            instrument_engine(get_engine())

    def after_worker_boot(self, broker: Broker, worker: Any) -> None:
        def beat() -> None:
            while True:
                try:
                    touch("worker")
                except OSError:
                    log.warning("could not write the worker heartbeat", exc_info=True)
                time.sleep(HEARTBEAT_EVERY)

        threading.Thread(target=beat, name="mailtrail-heartbeat", daemon=True).start()

    # -- messages ---------------------------------------------------------------------------

    def before_enqueue(self, broker: Broker, message: Message, delay: int) -> None:  # type: ignore[type-arg]
        if not tracing.is_on():  # without a tracer provider there is no span whose context to carry
            return
        from opentelemetry import propagate

        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        if carrier:
            message.options[TRACE_OPTION] = carrier

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        field = ARGUMENT_FIELDS.get(message.actor_name)
        if field and message.args:
            logs.bind(**{field: message.args[0]})
        if not tracing.is_on():  # a no-op span still costs its context's attach and detach
            return
        from opentelemetry import context, propagate, trace

        parent = propagate.extract(message.options.get(TRACE_OPTION) or {})
        span = trace.get_tracer("mailtrail.dramatiq").start_span(
            f"dramatiq {message.actor_name}",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "dramatiq", "messaging.destination.name": message.queue_name},
        )
        token = context.attach(trace.set_span_in_context(span))
        self._spans.current = (span, token)

    def _finish(self, exception: BaseException | None = None) -> None:
        logs.bind(email_id=None, account_id=None)
        current = getattr(self._spans, "current", None)
        if current is None:
            return
        from opentelemetry import context, trace

        span, token = current
        self._spans.current = None
        if exception is not None:
            span.record_exception(exception)
            span.set_status(trace.Status(trace.StatusCode.ERROR))
        span.end()
        context.detach(token)

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        self._finish(exception)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._finish()


_installed: set[int] = set()


def install(broker: Broker) -> None:
    """Add the middleware to a broker once."""
    if id(broker) in _installed:
        return
    broker.add_middleware(Observability())
    _installed.add(id(broker))
