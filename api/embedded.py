"""`make run`: the whole service in one process, on embedded defaults, with no other server.

- SQLite under .mailtrail/ (MAILTRAIL_DATABASE_URL changes it);
- the Gmail emulator (sandbox/) on MAILTRAIL_SANDBOX_PORT, with the mailbox demo@mailtrail.test,
  pushing its notifications to this API's webhook with signed JWTs, as Pub/Sub would;
- a demo organization with a ready bearer token and that mailbox connected (real OAuth tokens
  from the emulator, encrypted at rest, and a users.watch), so a newcomer can send at once;
- a Dramatiq worker on the in-process stub broker and the scheduler, in threads.

A message to any address in a `.invalid` domain comes back as a bounce, which the sync links to
the email (sandbox/README.md lists the emulator's other delivery rules).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import IO, Any

from sqlmodel import select
from starlette.applications import Starlette

from api import embedded_llm
from api.app import Services, create_app
from api.push import PUSH_PATH
from domain.records import AccountState, MailAccount
from domain.settings import EMBEDDED_DIR, Settings, get_settings
from domain.tokens import TOKEN_PREFIX, ensure_organization, issue_token
from workers.db import session_scope

log = logging.getLogger("mailtrail.embedded")

DEMO_ORG = "demo"
DEMO_ACCOUNT = "demo@mailtrail.test"


def port_is_free(host: str, port: int) -> bool:
    """Whether the emulator can bind `port`, binding as its server will (SO_REUSEADDR, like
    http.server's), so the TIME_WAIT sockets a quick restart leaves behind do not count as taken."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def prepare_environment() -> Settings:
    """Point every part of this process at the in-process emulator, unless told otherwise.

    The environment is the one place all parts (API, worker, scheduler) read their settings
    from, so the embedded defaults are set there, then the settings re-read.
    """
    settings = get_settings()
    port = settings.sandbox_port
    if not port_is_free("127.0.0.1", port):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        log.warning("port %s is taken; the Gmail emulator uses %s", settings.sandbox_port, port)
    sandbox = f"http://127.0.0.1:{port}"
    defaults = {
        "MAILTRAIL_SANDBOX_PORT": str(port),
        "MAILTRAIL_GMAIL_API_URL": sandbox,
        "MAILTRAIL_OAUTH_AUTH_URL": sandbox + "/o/oauth2/auth",
        "MAILTRAIL_OAUTH_TOKEN_URL": sandbox + "/token",
        "MAILTRAIL_OAUTH_REVOKE_URL": sandbox + "/revoke",
        "MAILTRAIL_PUSH_CERTS_URL": sandbox + "/oauth2/v1/certs",
        "MAILTRAIL_PUSH_SERVICE_ACCOUNT": "gmail-push@mailtrail-sandbox.iam.gserviceaccount.com",
        "MAILTRAIL_OAUTH_CLIENT_ID": "mailtrail-embedded.apps.sandbox",
        "MAILTRAIL_OAUTH_CLIENT_SECRET": "embedded-secret",
    }
    defaults.update(embedded_llm.environment())  # content drafting: the offline chat-completions emulator
    if settings.sandbox_port != port:
        os.environ["MAILTRAIL_SANDBOX_PORT"] = str(port)
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    get_settings.cache_clear()
    return get_settings()


_held: list[IO[str]] = []
"""The open lock file of this process's data directory; it stays locked until the process ends."""


def data_directory(settings: Settings) -> Path:
    """Where this embedded instance keeps its data: the SQLite file's folder, else .mailtrail/."""
    if settings.is_sqlite:
        path = settings.database_url.partition(":///")[2]
        if path and path != ":memory:":
            return Path(path).resolve().parent
    return Path(EMBEDDED_DIR).resolve()


def hold_data_directory(settings: Settings) -> None:
    """Lock the data directory for this process, or exit with a clear message if another holds it.

    A second `make run` on the same data would otherwise reconnect the demo account and revoke
    the first server's Gmail tokens (its next send failing with invalid_grant), then die on the
    port. The lock is an OS file lock: it goes with the process, however the process ends.
    """
    directory = data_directory(settings)
    directory.mkdir(parents=True, exist_ok=True)
    handle = (directory / "embedded.lock").open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        sys.exit(
            f"Another embedded Mailtrail (pid {holder}) is using {directory}. Stop it first (Ctrl-C in its "
            "terminal), or give this one other data with MAILTRAIL_DATABASE_URL=sqlite:///other/mailtrail.db."
        )
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held.append(handle)


def stored_demo_credentials(settings: Settings) -> dict[str, Any] | None:
    """The demo account's Gmail tokens from an earlier run, if it has some this key can open."""
    from workers.credentials import CredentialCipher

    with session_scope() as session:
        account = session.exec(select(MailAccount).where(MailAccount.email == DEMO_ACCOUNT)).first()
        sealed = account.credentials_encrypted if account is not None else None
    if not sealed:
        return None
    try:
        return CredentialCipher.from_settings(settings).decrypt(sealed)
    except ValueError:
        log.warning("the demo account's stored credentials cannot be decrypted with the configured keys; reconnecting")
        return None


def demo_token(settings: Settings) -> str:
    """MAILTRAIL_DEMO_TOKEN, or one generated once and kept under .mailtrail/ so it survives restarts."""
    if settings.demo_token:
        return settings.demo_token
    path = Path(EMBEDDED_DIR) / "demo_token"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = TOKEN_PREFIX + "demo_" + secrets.token_urlsafe(16)
    path.write_text(token + "\n")
    return token


def bootstrap_demo(settings: Settings, credentials: str | None = None, history_id: int | None = None) -> str:
    """Ensure the demo organization, its token and its connected account exist; return the token.

    With `credentials` (encrypted emulator tokens) the account is connected for the first time;
    without, its stored tokens are kept (the emulator was given the same ones). `history_id` is
    the cursor of this run's emulator mailbox, which lives in memory and starts afresh.
    """
    token = demo_token(settings)
    with session_scope() as session:
        org = ensure_organization(session, DEMO_ORG)
        issue_token(session, org.id, name="demo", token=token)
        account = session.exec(select(MailAccount).where(MailAccount.email == DEMO_ACCOUNT)).first()
        if account is None:
            account = MailAccount(organization_id=org.id, email=DEMO_ACCOUNT, display_name="Demo Sender")
            session.add(account)
        account.state = AccountState.ACTIVE
        account.state_reason = None
        if credentials is not None:
            account.credentials_encrypted = credentials
            account.scopes = list(settings.oauth_scopes)
        if history_id is not None:
            account.history_id = history_id
    return token


def banner(settings: Settings, token: str, sandbox_url: str | None = None) -> str:
    url = f"{settings.base_url}/graphql"
    lines = [
        "",
        "Mailtrail is running (embedded mode).",
        f"  GraphQL + GraphiQL: {url}",
        f"  Demo account:       {DEMO_ACCOUNT}",
    ]
    if sandbox_url:
        lines.append(f"  Gmail emulator:     {sandbox_url}  (its mailboxes: {sandbox_url}/)")
    lines.append(embedded_llm.banner_line(settings))
    lines += [
        "  Demo bearer token (set the header 'Authorization: Bearer <token>'):",
        f"  {token}",
        "",
    ]
    return "\n".join(lines)


class EmbeddedParts:
    """The emulator, the worker and the scheduler, started and stopped with the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.emulator: Any = None
        self.worker: Any = None
        self.scheduler: Any = None
        self.llm: Any = None

    def start_emulator(self, existing: dict[str, Any] | None = None) -> tuple[str | None, int]:
        """Start the emulator; return new encrypted credentials (None: `existing` kept) and the cursor.

        The emulator is given the demo account's existing tokens rather than new ones: an account
        already connected is never re-keyed by a start.
        """
        from sandbox import Emulator, PushConfig
        from workers.credentials import CredentialCipher

        push_url = self.settings.base_url + PUSH_PATH
        self.emulator = Emulator(
            port=self.settings.sandbox_port,
            mailboxes=[DEMO_ACCOUNT],
            push=PushConfig(
                endpoint=push_url,
                audience=self.settings.push_audience or push_url,
                service_account=self.settings.push_service_account,
            ),
            clients={self.settings.oauth_client_id: self.settings.oauth_client_secret.get_secret_value()},
        ).start()
        self.llm = embedded_llm.start(self.settings)
        history_id = int(self.emulator.store.mailbox(DEMO_ACCOUNT).history_id)
        if existing and existing.get("token") and existing.get("refresh_token"):
            scopes = list(existing.get("scopes") or self.settings.oauth_scopes)
            self.emulator.issue_token(DEMO_ACCOUNT, scopes, str(existing["token"]), str(existing["refresh_token"]))
            return None, history_id
        access, refresh = self.emulator.issue_token(DEMO_ACCOUNT, list(self.settings.oauth_scopes))
        cipher = CredentialCipher.from_settings(self.settings)
        encrypted = cipher.encrypt(
            {"token": access, "refresh_token": refresh, "scopes": list(self.settings.oauth_scopes)}
        )
        return encrypted, history_id

    async def start(self, services: Services) -> None:
        import asyncio

        import dramatiq

        from workers.broker import broker
        from workers.cli import scheduler_jobs
        from workers.connect import start_watch
        from workers.runtime import cipher, gateway
        from workers.scheduler import Scheduler

        self.worker = dramatiq.Worker(broker, worker_threads=4)
        self.worker.start()
        self.scheduler = Scheduler(scheduler_jobs())
        self.scheduler.start_thread()
        with session_scope() as session:
            account = session.exec(select(MailAccount).where(MailAccount.email == DEMO_ACCOUNT)).one()
            account_id = account.id
        # The watch needs this API to receive its pushes, so it starts once the app serves.
        await asyncio.to_thread(start_watch, self.settings, session_scope, gateway(), cipher(), account_id)

    async def stop(self, services: Services) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.worker is not None:
            self.worker.stop(timeout=5000)
        if self.emulator is not None:
            with contextlib.suppress(Exception):
                self.emulator.stop()
        if self.llm is not None:
            self.llm.stop()


def create_embedded_app(settings: Settings | None = None, *, quiet: bool = False) -> Starlette:
    settings = prepare_environment()
    hold_data_directory(settings)
    parts = EmbeddedParts(settings)
    credentials, history_id = parts.start_emulator(stored_demo_credentials(settings))
    token = bootstrap_demo(settings, credentials, history_id)
    if not quiet:
        print(banner(settings, token, parts.emulator.base_url), flush=True)
    app = create_app(settings, on_startup=[parts.start], on_shutdown=[parts.stop], extras={"console_token": token})
    app.state.embedded = parts
    return app
