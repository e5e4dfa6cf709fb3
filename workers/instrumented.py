"""The Gmail gateway and the send dispatcher, measured: metrics and trace spans around each call.

Wrappers rather than edits, so the adapter and the domain stay free of observability code.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, TypeVar

from opentelemetry import trace

from domain.dispatch import Dispatcher, Result
from domain.gateway import AccountRef, FetchedMessage, HistoryPage, MailGateway, SentMessage, WatchState
from workers import metrics, tracing

T = TypeVar("T")
tracer = trace.get_tracer("mailtrail.gmail")
NO_SPAN: AbstractContextManager[trace.Span] = nullcontext(trace.INVALID_SPAN)
"""Without a tracer provider a span is a no-op that still costs a context attach and detach (about
as much CPU as the rest of this wrapper): skipped when tracing is off."""


class InstrumentedGateway:
    """A MailGateway that times every call and counts its errors by kind (the domain error class)."""

    def __init__(self, inner: MailGateway) -> None:
        self.inner = inner
        self._seconds: dict[str, Any] = {}
        """Each operation's histogram child (`labels()` takes a lock and builds a key per call)."""

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        scope = (
            tracer.start_as_current_span(f"gmail.{operation}", kind=trace.SpanKind.CLIENT)
            if tracing.is_on()
            else NO_SPAN
        )
        with scope as span:
            try:
                return call()
            except Exception as error:
                metrics.GMAIL_ERRORS.labels(operation, type(error).__name__).inc()
                span.set_attribute("mailtrail.gmail.error", type(error).__name__)
                raise
            finally:
                seconds = self._seconds.get(operation)
                if seconds is None:
                    seconds = self._seconds[operation] = metrics.GMAIL_CALL_SECONDS.labels(operation)
                seconds.observe(time.perf_counter() - started)

    def send(self, account: AccountRef, raw: str, thread_id: str | None) -> SentMessage:
        return self._call("send", lambda: self.inner.send(account, raw, thread_id))

    def message_id_header(self, account: AccountRef, provider_message_id: str) -> str | None:
        return self._call("message_id_header", lambda: self.inner.message_id_header(account, provider_message_id))

    def find_sent_by_header(
        self, account: AccountRef, header: str, value: str, sent_after: datetime
    ) -> SentMessage | None:
        return self._call(
            "find_sent_by_header", lambda: self.inner.find_sent_by_header(account, header, value, sent_after)
        )

    def history(self, account: AccountRef, start_history_id: int, page_token: str | None) -> HistoryPage:
        return self._call("history", lambda: self.inner.history(account, start_history_id, page_token))

    def list_recent(self, account: AccountRef, newer_than_days: int, page_token: str | None) -> HistoryPage:
        return self._call("list_recent", lambda: self.inner.list_recent(account, newer_than_days, page_token))

    def fetch(self, account: AccountRef, provider_message_ids: Sequence[str]) -> list[FetchedMessage]:
        return self._call("fetch", lambda: self.inner.fetch(account, provider_message_ids))

    def profile(self, account: AccountRef) -> tuple[str, int]:
        return self._call("profile", lambda: self.inner.profile(account))

    def watch(self, account: AccountRef, topic: str) -> WatchState:
        return self._call("watch", lambda: self.inner.watch(account, topic))

    def stop(self, account: AccountRef) -> None:
        self._call("stop", lambda: self.inner.stop(account))

    def __getattr__(self, name: str) -> Any:  # anything else the adapter offers (settings, credentials)
        return getattr(self.inner, name)


class InstrumentedDispatcher:
    """The dispatcher, counting each send attempt's outcome."""

    def __init__(self, inner: Dispatcher) -> None:
        self.inner = inner

    def send(self, email_id: uuid.UUID) -> Result:
        result = self.inner.send(email_id)
        metrics.observe_send(result.outcome.value)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
