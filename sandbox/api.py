"""Request routing for the emulator: Gmail routes, OAuth endpoints, batch, faults, quotas.

`Router.dispatch` is transport-free (method, path, query, headers, body -> Reply) so the batch
endpoint can run each part through exactly the same code as a direct call.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox import auth as scopes
from sandbox.admission import BatchAdmission
from sandbox.errors import GmailError, bad_request, insufficient_scope, not_found, too_many_concurrent, unauthenticated
from sandbox.gmail import Gmail
from sandbox.resources import find_attachment, message_resource, thread_resource
from sandbox.store import Mailbox, b64url
from sandbox.web import not_found_page

GMAIL_PREFIX = re.compile(r"^/gmail/v1/users/(?P<user>[^/]+)(?P<rest>/.*)?$")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    after: str | None = None  # "reset": drop the connection after processing; "slow:N": wait before answering

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
        )

    @classmethod
    def no_such_path(cls, path: str) -> Reply:
        """Google's HTML 404 for a path no API serves (never Gmail's `notFound` JSON)."""
        return cls(404, not_found_page(path), {"Content-Type": "text/html; charset=UTF-8"})


class Fault(Exception):
    """A queued fault that needs the transport: hang, reset."""

    def __init__(self, kind: str, seconds: float = 0) -> None:
        super().__init__(kind)
        self.kind = kind
        self.seconds = seconds


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    scopes: set[str] | None
    handler: Callable[..., Reply]


class Router:
    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.gmail: Gmail = emulator.gmail
        self.faults: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.faults_lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        self.refused_parts = 0  # batch parts refused for concurrency, for tests to see it happen
        read, send = scopes.READ_SCOPES, scopes.SEND_SCOPES
        compose = {scopes.GMAIL + "compose", scopes.GMAIL + "modify", scopes.FULL}
        any_gmail = read | send | compose
        self.routes = [
            Route("GET", re.compile(r"^/profile$"), "users.getProfile", any_gmail, self.profile),
            Route("POST", re.compile(r"^/messages/send$"), "messages.send", send, self.send),
            Route("GET", re.compile(r"^/messages$"), "messages.list", read, self.list_messages),
            Route("GET", re.compile(r"^/messages/(?P<id>[^/]+)$"), "messages.get", read, self.get),
            Route(
                "GET",
                re.compile(r"^/messages/(?P<id>[^/]+)/attachments/(?P<aid>[^/]+)$"),
                "messages.attachments.get",
                read,
                self.attachment,
            ),
            Route("GET", re.compile(r"^/threads/(?P<id>[^/]+)$"), "threads.get", read, self.thread),
            Route("GET", re.compile(r"^/history$"), "history.list", read, self.history),
            Route("POST", re.compile(r"^/watch$"), "users.watch", read, self.watch),
            Route("POST", re.compile(r"^/stop$"), "users.stop", read, self.stop),
            Route("POST", re.compile(r"^/drafts$"), "drafts.create", compose, self.draft_create),
            Route("POST", re.compile(r"^/drafts/send$"), "drafts.send", compose | send, self.draft_send),
        ]

    # -- faults ----------------------------------------------------------------------------

    def queue_fault(self, method: str, fault: dict[str, Any]) -> None:
        with self.faults_lock:
            self.faults[method].append(fault)

    def _take_fault(self, method: str) -> dict[str, Any] | None:
        with self.faults_lock:
            pending = self.faults.get(method)
            return pending.popleft() if pending else None

    # -- dispatch --------------------------------------------------------------------------

    def batch_admission(self, parts: int) -> BatchAdmission:
        """The concurrency cap for one batch of `parts` (Limits.batch_concurrency)."""
        return BatchAdmission(parts, self.gmail.limits.batch_concurrency, self.emulator.store.rng)

    def dispatch(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
        admission: BatchAdmission | None = None,
    ) -> Reply:
        """One call; `admission` is set for a batch part, which it may refuse with an inner 429."""
        override = headers.get("x-http-method-override")
        if method == "POST" and override:
            method = override.upper()
            if body:
                merged = dict(query)
                for key, values in urllib.parse.parse_qs(body.decode()).items():
                    merged.setdefault(key, []).extend(values)
                query, body = merged, b""
        match = GMAIL_PREFIX.match(path)
        if match is None:
            return Reply.no_such_path(path)
        rest = match.group("rest") or ""
        for route in self.routes:
            found = route.pattern.match(rest)
            if found and route.method == method:
                return self._run(route, match.group("user"), found.groupdict(), query, headers, body, admission)
        return Reply.no_such_path(path)

    def _run(
        self,
        route: Route,
        user: str,
        params: dict[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
        admission: BatchAdmission | None = None,
    ) -> Reply:
        self.calls.append((route.name, user))
        fault = self._take_fault(route.name)
        after = None
        if fault is not None:
            kind = fault.get("kind", "status")
            if kind in ("timeout", "hang"):
                raise Fault("hang", float(fault.get("seconds", 30)))
            if kind == "reset":
                raise Fault("reset")
            if kind == "delay":
                time.sleep(float(fault.get("seconds", 1)))
            elif kind in ("reset_after", "slow"):
                after = "reset" if kind == "reset_after" else f"slow:{fault.get('seconds', 1)}"
            else:
                error = GmailError(
                    int(fault.get("status", 500)),
                    fault.get("reason", "backendError"),
                    fault.get("message", "Backend Error"),
                )
                return Reply.json(error.status, error.body(), error.headers)
        try:
            box = self._authorize(headers, user, route.scopes)
            if admission is not None and not admission.admit(box.address):
                with self.faults_lock:
                    self.refused_parts += 1
                raise too_many_concurrent()
            with self.emulator.store.lock:
                self.gmail.charge(box, _unit_name(route.name))
                reply = route.handler(box, params, query, body)
        except GmailError as error:
            return Reply.json(error.status, error.body(), error.headers)
        reply.after = after
        return reply

    def _authorize(self, headers: Mapping[str, str], user: str, needed: set[str] | None) -> Mailbox:
        value = headers.get("authorization", "")
        token = value[7:].strip() if value.lower().startswith("bearer ") else None
        access = self.emulator.authority.check(token)
        if access is None:
            raise unauthenticated()
        if needed is not None and not needed & set(access.grant.scopes):
            raise insufficient_scope()
        address = access.grant.mailbox
        if user != "me" and user.lower() != address:
            raise GmailError(403, "forbidden", "Delegation denied for " + address)
        box: Mailbox | None = self.emulator.store.mailbox(address)
        if box is None:
            raise GmailError(400, "failedPrecondition", "Mail service not enabled")
        return box

    # -- handlers (called with the store lock held) -----------------------------------------

    def profile(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        return Reply.json(
            200,
            {
                "emailAddress": box.address,
                "messagesTotal": len(box.messages),
                "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                "historyId": str(box.history_id),
            },
        )

    def send(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        changed: set[str] = set()
        sent = self.gmail.send(box, _json(body), changed)
        self.emulator.after_change(changed)
        return Reply.json(200, {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)})

    def list_messages(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        return Reply.json(
            200,
            self.gmail.list_messages(
                box,
                _one(query, "q"),
                query.get("labelIds", []),
                _one(query, "includeSpamTrash") == "true",
                int(_one(query, "maxResults") or 100),
                _one(query, "pageToken"),
            ),
        )

    def get(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        fmt = _one(query, "format") or "full"
        if fmt not in ("minimal", "full", "raw", "metadata"):
            raise bad_request(f"Invalid value at 'format' ({fmt})")
        message = self.gmail.message(box, params["id"])
        return Reply.json(200, message_resource(message, fmt, query.get("metadataHeaders")))

    def attachment(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        content = find_attachment(self.gmail.message(box, params["id"]), params["aid"])
        if content is None:
            raise not_found()
        return Reply.json(200, {"attachmentId": params["aid"], "size": len(content), "data": b64url(content)})

    def thread(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        messages = self.emulator.store.thread_messages(box, params["id"])
        if not messages:
            raise not_found()
        return Reply.json(
            200, thread_resource(box, messages, _one(query, "format") or "full", query.get("metadataHeaders"))
        )

    def history(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        return Reply.json(
            200,
            self.gmail.history(
                box,
                _one(query, "startHistoryId"),
                query.get("historyTypes", []),
                _one(query, "labelId"),
                int(_one(query, "maxResults") or 100),
                _one(query, "pageToken"),
            ),
        )

    def watch(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        request = _json(body)
        if not request.get("topicName"):
            raise bad_request("Invalid topicName does not match projects/SOME_PROJECT/topics/SOME_TOPIC")
        expiration = int((time.time() + 7 * 86400) * 1000)
        box.watch = {**request, "expiration": expiration}
        return Reply.json(200, {"historyId": str(box.history_id), "expiration": str(expiration)})

    def stop(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        box.watch = None
        return Reply(204)

    def draft_create(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        message = _json(body).get("message") or {}
        if not message.get("raw"):
            raise bad_request("Missing draft message")
        from sandbox.store import b64url_decode, new_id

        stored = self.emulator.store.add_message(box, b64url_decode(message["raw"]), ["DRAFT"], message.get("threadId"))
        draft_id = "r" + new_id(self.emulator.store.rng)[:15]
        box.drafts[draft_id] = stored.id
        self.emulator.after_change({box.address})
        return Reply.json(
            200, {"id": draft_id, "message": {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["DRAFT"]}}
        )

    def draft_send(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        draft_id = _json(body).get("id")
        message_id = box.drafts.pop(draft_id or "", None)
        if message_id is None:
            raise not_found()
        draft = box.messages.pop(message_id)
        changed: set[str] = set()
        sent = self.gmail.send(box, {"raw": b64url(draft.raw), "threadId": None}, changed)
        self.emulator.after_change(changed)
        return Reply.json(200, {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)})


def _unit_name(route: str) -> str:
    return {
        "messages.send": "send",
        "messages.get": "get",
        "messages.list": "list",
        "history.list": "history",
        "users.getProfile": "profile",
        "users.watch": "watch",
        "users.stop": "stop",
        "messages.attachments.get": "attachment",
        "threads.get": "thread",
        "drafts.create": "draft_create",
        "drafts.send": "draft_send",
    }.get(route, "get")


def _one(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise bad_request("Invalid JSON payload received.") from None
    if not isinstance(data, dict):
        raise bad_request("Invalid JSON payload received.")
    return data
