"""Pub/Sub push delivery (gmail-api.md §3): a background thread POSTs each mailbox change.

The envelope's `message.data` is base64 JSON {"emailAddress", "historyId": <number>}; the
request carries `Authorization: Bearer <RS256 OIDC JWT>` signed by the emulator's key. Non-2xx
answers are retried with backoff; optional coalescing sends at most one push per second per
user, as Gmail does, carrying the newest historyId.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.auth import Signer

log = logging.getLogger("sandbox.push")
OK_STATUSES = {102, 200, 201, 202, 204}


@dataclass
class PushConfig:
    endpoint: str | None = None
    audience: str | None = None
    service_account: str = "gmail-push@mailtrail-sandbox.iam.gserviceaccount.com"
    issuer: str = "https://accounts.google.com"
    subscription: str = "projects/mailtrail-sandbox/subscriptions/gmail-push"
    coalesce: bool = False
    max_attempts: int = 5
    backoff: float = 0.2


@dataclass
class PushRecord:
    address: str
    history_id: int
    status: int | None
    attempts: int
    at: float = field(default_factory=time.time)


class Pusher:
    def __init__(self, signer: Signer, config: PushConfig) -> None:
        self.signer = signer
        self.config = config
        self.queue: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self.delivered: list[PushRecord] = []
        self._last_sent: dict[str, float] = {}
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sandbox-push", daemon=True)
        self._thread.start()

    def notify(self, address: str, history_id: int) -> None:
        if self.config.endpoint:
            self.queue.put((address, history_id))

    def close(self) -> None:
        self.queue.put(None)
        self._thread.join(timeout=5)

    def idle(self) -> bool:
        return self.queue.unfinished_tasks == 0 and not self._pending

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                address, history_id = item
                if self.config.coalesce:
                    wait = self._last_sent.get(address, 0) + 1.0 - time.time()
                    if wait > 0:
                        with self._lock:
                            self._pending[address] = max(history_id, self._pending.get(address, 0))
                        threading.Timer(wait, self._flush, args=(address,)).start()
                        continue
                self._deliver(address, history_id)
            finally:
                self.queue.task_done()

    def _flush(self, address: str) -> None:
        with self._lock:
            history_id = self._pending.pop(address, None)
        if history_id is not None:
            self._deliver(address, history_id)

    def token(self, now: float | None = None) -> str:
        now = now or time.time()
        audience = self.config.audience or self.config.endpoint or ""
        return self.signer.sign(
            {
                "iss": self.config.issuer,
                "aud": audience,
                "azp": "1" * 21,
                "sub": "1" * 21,
                "email": self.config.service_account,
                "email_verified": True,
                "iat": int(now),
                "exp": int(now) + 3600,
            }
        )

    def envelope(self, address: str, history_id: int) -> dict[str, Any]:
        data = json.dumps({"emailAddress": address, "historyId": history_id}).encode()
        return {
            "message": {
                "data": base64.b64encode(data).decode(),
                "messageId": str(secrets.randbits(52)),
                "message_id": None,
                "publishTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            },
            "subscription": self.config.subscription,
        }

    def _deliver(self, address: str, history_id: int) -> None:
        endpoint = self.config.endpoint
        if not endpoint:
            return
        self._last_sent[address] = time.time()
        body = self.envelope(address, history_id)
        body["message"]["message_id"] = body["message"]["messageId"]
        status = None
        attempts = 0
        for attempt in range(self.config.max_attempts):
            attempts = attempt + 1
            request = urllib.request.Request(
                endpoint,
                data=json.dumps(body).encode(),
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                log.info("push to %s failed: %s", endpoint, error)
                status = None
            if status in OK_STATUSES:
                break
            time.sleep(self.config.backoff * (2**attempt))
        self.delivered.append(PushRecord(address, history_id, status, attempts))
