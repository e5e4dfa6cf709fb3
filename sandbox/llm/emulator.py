"""An OpenAI-compatible Chat Completions emulator the real `openai` client talks to, offline.

    with ChatEmulator() as llm:
        client = openai.OpenAI(base_url=llm.base_url, api_key="sandbox")
        client.chat.completions.create(model="mailtrail-sandbox", messages=[...])

Routes (the subset of the OpenAI API Mailtrail uses):
    POST /v1/chat/completions   a deterministic draft built from the prompt (drafting.py)
    GET  /v1/models             the models it answers as
    POST /_control/mode         {"mode": "grounded" | "invent_amount" | "invent_link" | "error" | "garbage"}
    GET  /                      what it is, and its current mode

Every answer names itself as the sandbox (`system_fingerprint`), so nobody mistakes its drafts
for a real model's.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from sandbox.http import QuietHandler, ThreadedServer
from sandbox.llm.drafting import Mode, draft, mistake

DEFAULT_MODEL = "mailtrail-sandbox"
FINGERPRINT = "mailtrail-sandbox"


def _error(status: int, message: str, kind: str, code: str | None) -> tuple[int, dict[str, Any]]:
    """OpenAI's error envelope."""
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}


class ChatEmulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        models: tuple[str, ...] = (DEFAULT_MODEL,),
    ) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key
        self.models = models
        self.mode = Mode.GROUNDED
        self.requests: list[dict[str, Any]] = []
        """The body of every chat completion request, oldest first (tests read the prompts)."""
        self.lock = threading.Lock()
        self._server: ThreadedServer | None = None

    def start(self) -> ChatEmulator:
        self._server = ThreadedServer((self.host, self.port), _Handler)
        self._server.emulator = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="llm-sandbox", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ChatEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What to give the client as `base_url`."""
        return f"http://{self.host}:{self.port}/v1"

    def set_mode(self, mode: Mode | str) -> None:
        with self.lock:
            self.mode = Mode(mode)

    # -- routes ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if path == "/_control/mode" and method == "POST":
            try:
                self.set_mode(json.loads(body or b"{}").get("mode", ""))
            except (ValueError, AttributeError):
                return _error(400, f"mode must be one of {[m.value for m in Mode]}", "invalid_request_error", None)
            return 200, {"mode": self.mode.value}
        if path == "/" and method == "GET":
            return 200, {"emulator": "OpenAI-compatible chat completions (Mailtrail sandbox)", "mode": self.mode.value}
        if not path.startswith("/v1/"):
            return _error(404, f"Unknown path {path}", "invalid_request_error", "not_found")
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if path == "/v1/models" and method == "GET":
            data = [{"id": m, "object": "model", "created": 0, "owned_by": FINGERPRINT} for m in self.models]
            return 200, {"object": "list", "data": data}
        if path == "/v1/chat/completions" and method == "POST":
            return self._complete(body)
        return _error(404, f"Unknown route {method} {path}", "invalid_request_error", "not_found")

    def _complete(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            request = json.loads(body)
            model, messages = request["model"], request["messages"]
            prompt = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")
        except (ValueError, KeyError, TypeError, AttributeError):
            return _error(400, "model and messages are required", "invalid_request_error", None)
        if model not in self.models:
            return _error(404, f"The model `{model}` does not exist.", "invalid_request_error", "model_not_found")
        with self.lock:
            self.requests.append(request)
            mode = self.mode
        if mode is Mode.ERROR:
            return _error(500, "The sandbox was asked to fail.", "server_error", None)
        subject, text = mistake(*draft(prompt), mode)
        content = (
            "I would be happy to help with that email."
            if mode is Mode.GARBAGE
            else json.dumps({"subject": subject, "body": text}, ensure_ascii=False)
        )
        return 200, {
            "id": "chatcmpl-" + uuid.uuid4().hex[:24],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": FINGERPRINT,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": len(prompt.split()),
                "completion_tokens": len(content.split()),
                "total_tokens": len(prompt.split()) + len(content.split()),
            },
        }


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        emulator: ChatEmulator = self.server.emulator  # type: ignore[attr-defined]
        body = self.read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, data = emulator.handle(method, self.path.split("?", 1)[0], headers, body)
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_bytes(status, payload, {"Content-Type": "application/json"})
