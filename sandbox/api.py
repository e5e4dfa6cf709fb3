"""Request routing for the emulator: Gmail routes, OAuth endpoints, batch, faults, quotas.

`Router.dispatch` is transport-free (method, path, query, headers, body -> Reply) so the batch
endpoint can run each part through exactly the same code as a direct call.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox import auth as scopes
from sandbox.admission import BatchAdmission
from sandbox.errors import GmailError, insufficient_scope, too_many_concurrent, unauthenticated
from sandbox.gmail import Gmail
from sandbox.handlers import GmailHandlers, Reply
from sandbox.store import Mailbox

GMAIL_PREFIX = re.compile(r"^/gmail/v1/users/(?P<user>[^/]+)(?P<rest>/.*)?$")


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


class Router(GmailHandlers):
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
