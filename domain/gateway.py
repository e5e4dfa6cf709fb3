"""The mail-gateway port: what the domain needs from Gmail, and the failures it can tell apart.

Adapters (workers/gmail) translate provider errors into these classes in one place, so the
sending and sync rules never see an HTTP status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class GatewayError(Exception):
    """A failed call to the mail provider."""

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason


class RateLimited(GatewayError):
    """Quota or rate limit hit (429, 403 rateLimitExceeded): wait, never fail for this."""

    def __init__(self, message: str, *, retry_after: float | None = None, daily: bool = False, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after
        self.daily = daily


class TransientError(GatewayError):
    """5xx, timeouts, connection resets: retry with backoff until the deadline."""


class PermanentError(GatewayError):
    """The provider refused the request itself (400, invalid recipient): retrying cannot help."""


class AuthRevoked(GatewayError):
    """The grant was revoked or lacks a scope: the account needs the user to reconnect it."""


class HistoryExpired(GatewayError):
    """history.list's startHistoryId is older than the provider keeps: a full sync is needed."""


class ConfigurationError(GatewayError):
    """The provider's address is wrong: a 404 that is not the provider's own "not found" (a wrong
    base URL or path, a server that is not Gmail). An operator must fix the settings; retrying or
    resyncing cannot help."""


@dataclass(frozen=True)
class AccountRef:
    """What an adapter needs to act for an account: its id, address and decrypted credentials."""

    id: str
    email: str
    credentials: dict[str, object] = field(repr=False)


@dataclass(frozen=True)
class SentMessage:
    provider_message_id: str
    provider_thread_id: str
    label_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryPage:
    message_ids: tuple[str, ...]
    history_id: int
    next_page_token: str | None = None


@dataclass(frozen=True)
class FetchedMessage:
    """A message as the provider returns it in `raw` format."""

    provider_message_id: str
    provider_thread_id: str
    history_id: int | None
    label_ids: tuple[str, ...]
    raw: bytes
    snippet: str | None = None
    size_estimate: int | None = None
    internal_date: datetime | None = None


@dataclass(frozen=True)
class WatchState:
    history_id: int
    expires_at: datetime


class MailGateway(Protocol):
    """The operations Mailtrail performs on a connected mailbox."""

    def send(self, account: AccountRef, raw: str, thread_id: str | None) -> SentMessage: ...

    def message_id_header(self, account: AccountRef, provider_message_id: str) -> str | None: ...

    def find_sent_by_header(
        self, account: AccountRef, header: str, value: str, sent_after: datetime
    ) -> SentMessage | None: ...

    def find_sent_since(
        self, account: AccountRef, header: str, value: str, history_id_before: int
    ) -> SentMessage | None:
        """The message sent after `history_id_before` (a history id read before the attempt) whose
        `header` is `value`, found through history rather than search, so a send the search index
        does not show yet is still seen. Raises HistoryExpired when that id is too old."""
        ...

    def history(self, account: AccountRef, start_history_id: int, page_token: str | None) -> HistoryPage: ...

    def list_recent(self, account: AccountRef, newer_than_days: int, page_token: str | None) -> HistoryPage: ...

    def fetch(self, account: AccountRef, provider_message_ids: Sequence[str]) -> list[FetchedMessage]: ...

    def profile(self, account: AccountRef) -> tuple[str, int]: ...

    def watch(self, account: AccountRef, topic: str) -> WatchState: ...

    def stop(self, account: AccountRef) -> None: ...
