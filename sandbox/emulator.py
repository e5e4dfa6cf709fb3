"""The Gmail API emulator: start it, point google-api-python-client at `base_url`, drive it from tests.

    with Emulator(mailboxes=["ana@example.com"]) as gmail:
        access, refresh = gmail.issue_token("ana@example.com")
        build("gmail", "v1", credentials=..., client_options={"api_endpoint": gmail.base_url}, ...)

Everything lives in memory; it starts in a few tens of milliseconds (most of it the RSA key).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from sandbox.api import Router
from sandbox.auth import Authority, Signer
from sandbox.control import Control
from sandbox.gmail import Gmail
from sandbox.limits import Limits, check_history_id_base
from sandbox.push import PushConfig, Pusher
from sandbox.server import Server
from sandbox.store import Mailbox, Store, StoredMessage


class Emulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        mailboxes: list[str] | None = None,
        limits: Limits | None = None,
        push: PushConfig | None = None,
        seed: int | None = None,
        clients: dict[str, str] | None = None,
    ) -> None:
        """`clients`: the OAuth clients the token endpoint accepts (id -> secret); by default only
        SANDBOX_CLIENT_ID / SANDBOX_CLIENT_SECRET from sandbox.auth."""
        self.host = host
        self.port = port
        self.store = Store(seed)
        self.gmail = Gmail(self.store, limits or Limits())
        self.authority = Authority(clients=clients)
        self.signer = Signer()
        self.push_config = push or PushConfig()
        self.pusher = Pusher(self.signer, self.push_config)
        self.router = Router(self)
        self.control = Control(self)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        for address in mailboxes or []:
            self.create_mailbox(address)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        self._server = Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="gmail-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.pusher.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token_uri(self) -> str:
        return self.base_url + "/token"

    @property
    def auth_uri(self) -> str:
        return self.base_url + "/o/oauth2/auth"

    @property
    def revoke_uri(self) -> str:
        return self.base_url + "/revoke"

    @property
    def certs_uri(self) -> str:
        return self.base_url + "/oauth2/v1/certs"

    # -- control ---------------------------------------------------------------------------

    def create_mailbox(
        self,
        address: str,
        display_name: str | None = None,
        aliases: list[str] | None = None,
        daily_send_cap: int | None = None,
        history_id_base: int | None = None,
    ) -> Mailbox:
        """The mailbox, created if new; its history ids start above `history_id_base` (default
        `Limits.history_id_base`), e.g. above 2**63 to try uint64 handling."""
        base = self.gmail.limits.history_id_base if history_id_base is None else history_id_base
        check_history_id_base(base)
        box = self.store.add_mailbox(
            address, history_id_base=base, display_name=display_name, daily_send_cap=daily_send_cap
        )
        box.aliases |= {a.lower() for a in aliases or []}
        if self.authority.default_mailbox is None:
            self.authority.default_mailbox = box.address
        return box

    def issue_token(
        self,
        address: str,
        scopes: list[str] | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> tuple[str, str]:
        """(access token, refresh token) for a mailbox, created if needed."""
        self.create_mailbox(address)
        return self.authority.issue(address, scopes, access_token, refresh_token)

    def register_client(self, client_id: str, client_secret: str) -> None:
        """Let the token endpoint accept this OAuth client (as a Cloud console registration would)."""
        self.authority.register_client(client_id, client_secret)

    def set_limits(self, **changes: Any) -> Limits:
        """Change switches of `Limits` live (batch_concurrency=, search_lag_seconds=, ...); ValueError
        for an unknown name or a value out of range, and then nothing changes."""
        limits = self.gmail.limits
        unknown = set(changes) - {f.name for f in dataclasses.fields(limits)}
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
        dataclasses.replace(limits, **changes)  # validates the whole result first (Limits.__post_init__)
        with self.store.lock:
            for name, value in changes.items():
                setattr(limits, name, value)
        return limits

    def revoke(self, address: str) -> int:
        return self.authority.revoke_mailbox(address)

    def expire_access_token(self, access_token: str) -> None:
        self.authority.expire(access_token)

    def set_consent(self, mailbox: str | None = None, scopes: list[str] | None = None) -> None:
        """What the consent page grants next: which mailbox, and which of the asked scopes."""
        if mailbox is not None:
            self.create_mailbox(mailbox)
            self.authority.default_mailbox = mailbox.lower()
        self.authority.consent_scopes = scopes

    def queue_fault(self, method: str, **fault: Any) -> None:
        """Queue a fault for the next call of `method` (e.g. "messages.send"): status=, reason=,
        kind="timeout"|"reset"|"reset_after"|"slow"|"delay", seconds=. Faults are consumed FIFO."""
        self.router.queue_fault(method, fault)

    def inject(
        self,
        address: str,
        raw: bytes,
        labels: list[str] | None = None,
        thread_id: str | None = None,
        reply_to_id: str | None = None,
    ) -> StoredMessage:
        """Deliver raw mail (a reply, a bounce, anything) into a mailbox, with history and a push."""
        with self.store.lock:
            box = self._box(address)
            reply_to = box.messages.get(reply_to_id) if reply_to_id else None
            stored = self.gmail.inject(box, raw, labels, thread_id, reply_to)
        self.after_change({box.address})
        return stored

    def expire_history(self, address: str) -> None:
        with self.store.lock:
            self.store.expire_history(self._box(address))

    def messages(self, address: str, label: str | None = None) -> list[StoredMessage]:
        with self.store.lock:
            box = self._box(address)
            items = sorted(box.messages.values(), key=lambda m: (m.internal_date_ms, m.history_id))
            return [m for m in items if label is None or label in m.label_ids]

    def configure_push(
        self,
        endpoint: str | None = None,
        audience: str | None = None,
        coalesce: bool | None = None,
        service_account: str | None = None,
    ) -> None:
        if endpoint is not None:
            self.push_config.endpoint = endpoint
        if audience is not None:
            self.push_config.audience = audience
        if coalesce is not None:
            self.push_config.coalesce = coalesce
        if service_account is not None:
            self.push_config.service_account = service_account

    def wait_for_pushes(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pusher.idle():
                return True
            time.sleep(0.01)
        return False

    def after_change(self, addresses: set[str]) -> None:
        """Trim history and push for every changed mailbox that has a watch."""
        for address in addresses:
            box = self.store.mailbox(address)
            if box is None:
                continue
            self.gmail.trim_history(box)
            if box.watch is not None:
                self.pusher.notify(box.address, box.history_id)

    def _box(self, address: str) -> Mailbox:
        box = self.store.mailbox(address)
        if box is None:
            raise KeyError(f"no mailbox {address}")
        return box
