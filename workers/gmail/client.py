"""The Gmail adapter: the domain's MailGateway on top of google-api-python-client.

httplib2 is not thread-safe and Dramatiq workers are threads, so every thread keeps its own
AuthorizedHttp per account, and one service (built from the bundled discovery document) whose
requests it executes on the account's AuthorizedHttp: building a service and its resources costs
more CPU than a send, once per thread rather than once per thread and account.
Batches go to `<base>/batch/gmail/v1` built by hand: `new_batch_http_request()` ignores
`api_endpoint` (googleapis/google-api-python-client#1107); workers/gmail/batch.py retries their
refused parts.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httplib2
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.http import BatchHttpRequest

from domain.gateway import (
    AccountRef,
    ConfigurationError,
    FetchedMessage,
    HistoryExpired,
    HistoryPage,
    PermanentError,
    SentMessage,
    WatchState,
)
from domain.settings import Settings
from workers.gmail.batch import BATCH_SIZE, get_many
from workers.gmail.errors import translate

T = TypeVar("T")
HTTP_TIMEOUT_SECONDS = 30
"""Well below the send lease, so a worker's call always ends before another may take the send over."""
EXPIRED_REASONS = {"notFound", "NOT_FOUND"}
"""Google's own not-found for history.list's startHistoryId (the `errors[].reason`, or the
`status` of an envelope without `errors`): the cursor is too old (gmail-api.md §2.3)."""


class GmailGateway:
    """Talks to Gmail (or the emulator at `settings.gmail_api_url`) for one process."""

    def __init__(
        self,
        settings: Settings,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        batch_size: int = BATCH_SIZE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.batch_size = batch_size
        self.sleep = sleep
        self._local = threading.local()

    # -- plumbing --------------------------------------------------------------------------

    def credentials(self, account: AccountRef) -> Credentials:
        data = account.credentials
        return Credentials(  # type: ignore[no-untyped-call]
            token=data.get("token"),
            refresh_token=data.get("refresh_token"),
            token_uri=self.settings.oauth_token_url,
            client_id=self.settings.oauth_client_id or None,
            client_secret=self.settings.oauth_client_secret.get_secret_value() or None,
            scopes=data.get("scopes"),
        )

    def _client(self, account: AccountRef) -> tuple[Resources, AuthorizedHttp]:
        """The thread's resources (one set for every account: each request is executed on the
        account's own AuthorizedHttp) and the thread's AuthorizedHttp for `account`."""
        resources: Resources | None = getattr(self._local, "resources", None)
        if resources is None:
            service = build(
                "gmail",
                "v1",
                http=httplib2.Http(timeout=self.timeout),  # never used: each request gets its account's
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": self.settings.gmail_api_url},
            )
            resources = self._local.resources = Resources(service.users())
        cache: dict[tuple[str, str], AuthorizedHttp] = getattr(self._local, "clients", None) or {}
        self._local.clients = cache
        key = (account.id, str(account.credentials.get("refresh_token") or account.credentials.get("token")))
        if key not in cache:
            cache[key] = AuthorizedHttp(self.credentials(account), http=httplib2.Http(timeout=self.timeout))
        return resources, cache[key]

    def _call(self, account: AccountRef, request: Callable[[Resources], Any]) -> Any:
        resources, http = self._client(account)
        try:
            return _on(http, request(resources)).execute(num_retries=0)
        except Exception as exc:  # every failure leaves as a domain gateway error
            self._forget(account)
            raise translate(exc) from exc

    def _forget(self, account: AccountRef) -> None:
        """Drop the thread's client: after a failure its connection state is unknown."""
        cache = getattr(self._local, "clients", {})
        for key in [k for k in cache if k[0] == account.id]:
            del cache[key]

    # -- MailGateway -----------------------------------------------------------------------

    def send(self, account: AccountRef, raw: str, thread_id: str | None) -> SentMessage:
        body: dict[str, Any] = {"raw": raw}
        if thread_id:
            body["threadId"] = thread_id
        result = self._call(account, lambda s: s.messages.send(userId="me", body=body))
        return SentMessage(result["id"], result["threadId"], tuple(result.get("labelIds", ())))

    def message_id_header(self, account: AccountRef, provider_message_id: str) -> str | None:
        result = self._call(
            account,
            lambda s: s.messages.get(
                userId="me", id=provider_message_id, format="metadata", metadataHeaders=["Message-ID"]
            ),
        )
        return header_of(result, "Message-ID")

    def find_sent_by_header(
        self, account: AccountRef, header: str, value: str, sent_after: datetime
    ) -> SentMessage | None:
        """Gmail cannot search custom headers, so list what was sent since then and read each one's."""
        query = f"in:sent after:{int(sent_after.timestamp()) - 60}"
        token: str | None = None
        while True:
            page = self._call(account, _list_request(query, token))
            ids = [m["id"] for m in page.get("messages", [])]
            for item in self._batch_get(account, ids, format="metadata", metadataHeaders=[header]):
                if header_of(item, header) == value:
                    return SentMessage(item["id"], item["threadId"], tuple(item.get("labelIds", ())))
            token = page.get("nextPageToken")
            if not token:
                return None

    def find_sent_since(
        self, account: AccountRef, header: str, value: str, history_id_before: int
    ) -> SentMessage | None:
        """Walk messageAdded history labelled SENT from a history id read before the attempt, and
        read each candidate's header: history is complete at once, where search may lag."""
        token: str | None = None
        while True:
            page = self._history_list(account, history_id_before, token, label_id="SENT")
            ids = list(_added_ids(page))
            for item in self._batch_get(account, ids, format="metadata", metadataHeaders=[header]):
                if "SENT" in item.get("labelIds", ()) and header_of(item, header) == value:
                    return SentMessage(item["id"], item["threadId"], tuple(item.get("labelIds", ())))
            token = page.get("nextPageToken")
            if not token:
                return None

    def history(self, account: AccountRef, start_history_id: int, page_token: str | None) -> HistoryPage:
        result = self._history_list(account, start_history_id, page_token)
        return HistoryPage(_added_ids(result), int(result["historyId"]), result.get("nextPageToken"))

    def _history_list(
        self, account: AccountRef, start_history_id: int, page_token: str | None, label_id: str | None = None
    ) -> dict[str, Any]:
        """One page of messageAdded history. Only Google's own not-found means the cursor expired;
        any other 404 is a wrong address (a base URL or path that no Gmail serves)."""
        params: dict[str, Any] = {"labelId": label_id} if label_id else {}
        try:
            return dict(
                self._call(
                    account,
                    lambda s: s.users.history().list(
                        userId="me",
                        startHistoryId=str(start_history_id),
                        historyTypes=["messageAdded"],
                        pageToken=page_token,
                        maxResults=500,
                        **params,
                    ),
                )
            )
        except PermanentError as error:
            if error.status == 404 and error.reason in EXPIRED_REASONS:
                raise HistoryExpired(error.message, status=404, reason=error.reason) from error
            if error.status == 404:
                raise ConfigurationError(
                    f"{error.message} (is gmail_api_url {self.settings.gmail_api_url!r} right?)",
                    status=404,
                    reason=error.reason,
                ) from error
            raise

    def list_recent(self, account: AccountRef, newer_than_days: int, page_token: str | None) -> HistoryPage:
        result = self._call(
            account,
            lambda s: s.messages.list(
                userId="me",
                q=f"newer_than:{newer_than_days}d",
                includeSpamTrash=True,
                maxResults=500,
                pageToken=page_token,
            ),
        )
        ids = tuple(m["id"] for m in result.get("messages", []))
        return HistoryPage(ids, 0, result.get("nextPageToken"))

    def fetch(self, account: AccountRef, provider_message_ids: Sequence[str]) -> list[FetchedMessage]:
        fetched = []
        for item in self._batch_get(account, list(provider_message_ids), format="raw"):
            internal = item.get("internalDate")
            fetched.append(
                FetchedMessage(
                    provider_message_id=item["id"],
                    provider_thread_id=item["threadId"],
                    history_id=int(item["historyId"]) if item.get("historyId") else None,
                    label_ids=tuple(item.get("labelIds", ())),
                    raw=base64.urlsafe_b64decode(item["raw"] + "=" * (-len(item["raw"]) % 4)),
                    snippet=item.get("snippet"),
                    size_estimate=item.get("sizeEstimate"),
                    internal_date=datetime.fromtimestamp(int(internal) / 1000, UTC) if internal else None,
                )
            )
        return fetched

    def profile(self, account: AccountRef) -> tuple[str, int]:
        result = self._call(account, lambda s: s.users.getProfile(userId="me"))
        return str(result["emailAddress"]).lower(), int(result["historyId"])

    def watch(self, account: AccountRef, topic: str) -> WatchState:
        # No labelIds: every change is announced, so bounces filed in Spam are still seen.
        result = self._call(account, lambda s: s.users.watch(userId="me", body={"topicName": topic}))
        return WatchState(
            history_id=int(result["historyId"]),
            expires_at=datetime.fromtimestamp(int(result["expiration"]) / 1000, UTC),
        )

    def stop(self, account: AccountRef) -> None:
        self._call(account, lambda s: s.users.stop(userId="me"))

    # -- batches ---------------------------------------------------------------------------

    def _batch_get(self, account: AccountRef, ids: list[str], **params: Any) -> list[dict[str, Any]]:
        """messages.get for many ids in batches (workers/gmail/batch.py); deleted messages are skipped."""

        def run(chunk: list[str]) -> dict[str, Any]:
            answers: dict[str, Any] = {}
            service, http = self._client(account)
            batch = BatchHttpRequest(
                callback=lambda request_id, response, exception: answers.__setitem__(
                    request_id, response if exception is None else exception
                ),
                batch_uri=self.settings.gmail_api_url.rstrip("/") + "/batch/gmail/v1",
            )
            for message_id in chunk:
                batch.add(_on(http, service.messages.get(userId="me", id=message_id, **params)), request_id=message_id)
            try:
                batch.execute(http=http)
            except Exception as exc:
                self._forget(account)
                raise translate(exc) from exc
            return answers

        results = get_many(run, ids, self.sleep, self.batch_size)
        return [results[i] for i in ids if i in results]


def _on(http: AuthorizedHttp, request: Any) -> Any:
    """`request` bound to the account's AuthorizedHttp: a batch reads each part's credentials
    from its request's `http`, and a plain call refreshes an expired token through it."""
    request.http = http
    return request


class Resources:
    """A service's `users` and `users.messages` resources, built once per client: each call of
    `service.users()` or `.messages()` builds every method of the resource from the discovery
    document anew (about as much CPU as the HTTP request it is for)."""

    def __init__(self, users: Any) -> None:
        self.users = users
        self.messages = users.messages()


def _added_ids(page: dict[str, Any]) -> tuple[str, ...]:
    """The ids of messagesAdded records of a history.list page, once each, in order."""
    ids = [added["message"]["id"] for record in page.get("history", []) for added in record.get("messagesAdded", [])]
    return tuple(dict.fromkeys(ids))


def _list_request(query: str, page_token: str | None) -> Callable[[Resources], Any]:
    return lambda s: s.messages.list(userId="me", q=query, maxResults=100, pageToken=page_token)


def header_of(message: dict[str, Any], name: str) -> str | None:
    """A header's value from a messages.get metadata/full response (names are case-insensitive)."""
    for item in message.get("payload", {}).get("headers", []):
        if item.get("name", "").lower() == name.lower():
            return str(item.get("value"))
    return None
