"""A small app's context provider, as an app would write it: it checks Mailtrail's signature."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from domain.content.signing import verify


class ProviderServer:
    """Serves `entities[(contextType, contextId)]` to requests signed with `secret`; 401 otherwise."""

    def __init__(self) -> None:
        self.secret = ""
        self.entities: dict[tuple[str, str], Any] = {}
        self.requests: list[dict[str, Any]] = []
        self.status: int | None = None
        """Answer this status instead (a broken provider)."""
        self.delay = 0.0
        self.raw_body: bytes | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.provider = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/mailtrail/context"

    def start(self) -> ProviderServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, query: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        context_type, context_id = query.get("contextType", ""), query.get("contextId", "")
        signed = verify(self.secret, headers, context_type, context_id, now=time.time())
        self.requests.append({"query": query, "headers": headers, "signed": signed})
        if self.delay:
            time.sleep(self.delay)
        if self.status is not None:
            return self.status, b'{"error": "broken"}'
        if not signed:
            return 401, b'{"error": "bad signature"}'
        if self.raw_body is not None:
            return 200, self.raw_body
        data = self.entities.get((context_type, context_id))
        if data is None:
            return 404, b'{"error": "not found"}'
        return 200, json.dumps(data).encode()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        provider: ProviderServer = self.server.provider  # type: ignore[attr-defined]
        query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).items()}
        status, body = provider.answer(query, dict(self.headers.items()))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass
