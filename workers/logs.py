"""Logging: human lines by default, one JSON object per line when `log_format=json`.

Each line carries what is known of its context, kept in context variables: the request id
(API), the organization (once the bearer token is checked), the email or account an actor
works on (workers), and the trace and span ids when tracing is on.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

FIELDS = ("request_id", "organization_id", "email_id", "account_id")
_context: dict[str, ContextVar[str | None]] = {name: ContextVar(f"mailtrail_{name}", default=None) for name in FIELDS}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def bind(**fields: object) -> None:
    """Attach fields to every line logged from here on in this context (task or thread)."""
    for name, value in fields.items():
        _context[name].set(str(value) if value is not None else None)


class Binding:
    """`bind` for the duration of a `with` block.

    A class with slots rather than a generator context manager: the API holds one for the whole life
    of each WebSocket, and a generator's frame and wrapper cost several hundred bytes a socket more.
    """

    __slots__ = ("_fields", "_tokens")

    def __init__(self, fields: dict[str, object]) -> None:
        self._fields = fields
        self._tokens: list[tuple[ContextVar[str | None], Token[str | None]]] = []

    def __enter__(self) -> None:
        self._tokens = [
            (_context[name], _context[name].set(str(value) if value is not None else None))
            for name, value in self._fields.items()
        ]

    def __exit__(self, *_exc: object) -> None:
        for variable, token in self._tokens:
            variable.reset(token)
        self._tokens = []


def bound(**fields: object) -> Binding:
    """`bind` for the duration of a block."""
    return Binding(fields)


def current() -> dict[str, str]:
    return {name: value for name, var in _context.items() if (value := var.get()) is not None}


class ContextFilter(logging.Filter):
    """Copies the bound fields (and the trace ids) onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current().items():
            setattr(record, name, value)
        span = _span_ids()
        if span:
            record.trace_id, record.span_id = span
        return True


def _span_ids() -> tuple[str, str] | None:
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - the API package is a dependency
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in (*FIELDS, "trace_id", "span_id"):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: str, stream: Any = None) -> None:
    """The root logger of this process: one handler, the chosen format, the context filter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)


def reformat_existing(log_format: str, level: str | None = None) -> None:
    """Give handlers someone else installed (Dramatiq's in worker processes) our format and context,
    and the root logger our level (Dramatiq's command line sets INFO whatever the settings say)."""
    if level is not None:
        logging.getLogger().setLevel(level)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter(log_format))
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
