"""A local HTTP receiver for webhook tests: verifies every request with the `standardwebhooks` package."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    webhook_id: str
    body: dict[str, Any]
    status: int


@dataclass
class Receiver:
    """Answers `status` (or the next of `script`), and keeps what it acknowledged (2xx) and what it saw."""

    url: str = ""
    secret: str | None = None
    script: list[int] = field(default_factory=list)
    status: int = 200
    record: bool = True
    """False: answer 200 but keep nothing (a receiver that lost what it was sent)."""
    acknowledged: list[Received] = field(default_factory=list)
    seen: list[Received] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, webhook_id: str, body: dict[str, Any]) -> int:
        with self.lock:
            status = self.script.pop(0) if self.script else self.status
            item = Received(webhook_id, body, status)
            self.seen.append(item)
            if 200 <= status < 300 and self.record:
                self.acknowledged.append(item)
            return status

    def ids(self) -> list[str]:
        with self.lock:
            return [r.webhook_id for r in self.acknowledged]

    def events_of(self, email_id: str) -> list[str]:
        with self.lock:
            return [r.body["data"]["event"] for r in self.acknowledged if r.body["data"]["emailId"] == email_id]


@contextmanager
def running_receiver(path: str = "/hooks") -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                assert receiver.secret is not None, "the test did not give the receiver its secret"
                body = Webhook(receiver.secret).verify(raw, dict(self.headers.items()))
            except Exception:
                with receiver.lock:
                    receiver.bad_signatures += 1
                self.send_response(400)
                self.end_headers()
                return
            status = receiver.answer(self.headers["webhook-id"], body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"ok": 200 <= status < 300}).encode())

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
