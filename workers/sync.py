"""Mailbox sync: read Gmail's history from the account's cursor and ingest what was added.

Syncs of one account never overlap (a PostgreSQL advisory lock, or a process lock on SQLite); a
sync that finds the lock taken asks to run again shortly, so a push is never lost. The cursor
moves only after every page is ingested, in the same commit as the last page, so a crash means
re-reading (harmless: ingest is idempotent), never skipping.

Only Gmail's own `notFound` for the cursor means history expired and a full resync is due; a 404
from anything else (a wrong Gmail API URL) is a configuration error: logged, recorded on the
account's `watch_error` (cleared by the next sync that works), and the cursor is left alone.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session

from domain import accounts
from domain.dispatch import Sessions
from domain.gateway import AccountRef, AuthRevoked, ConfigurationError, HistoryExpired, HistoryPage, MailGateway
from domain.ingest import ingest
from domain.ledger.effects import SoftBouncePolicy
from domain.records import AccountState, MailAccount, utcnow
from domain.settings import Settings
from workers.credentials import CredentialCipher

log = logging.getLogger("mailtrail.sync")
_local_locks: dict[uuid.UUID, threading.Lock] = {}
_local_guard = threading.Lock()
SYNC_ERROR_PREFIX = "sync failed: "
"""Marks a sync's configuration error in `watch_error`, so a later good sync clears only its own."""


@dataclass(frozen=True)
class SyncResult:
    ran: bool
    ingested: int = 0
    full_resync: bool = False
    history_id: int | None = None
    error: str | None = None


def _lock_key(account_id: uuid.UUID) -> int:
    return int.from_bytes(hashlib.blake2b(account_id.bytes, digest_size=8).digest(), "big", signed=True)


@contextmanager
def account_lock(session: Session, account_id: uuid.UUID) -> Iterator[bool]:
    """Yield whether this process now holds the account's sync lock."""
    if session.get_bind().dialect.name == "postgresql":
        # Transaction-level: held while this session's transaction stays open, released at its end
        # (even if the process dies), and never left behind on a pooled connection.
        key = _lock_key(account_id)
        row = session.connection().execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).one()
        yield bool(row[0])
        return
    with _local_guard:
        lock = _local_locks.setdefault(account_id, threading.Lock())
    got = lock.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            lock.release()


class Syncer:
    def __init__(self, settings: Settings, sessions: Sessions, gateway: MailGateway, cipher: CredentialCipher) -> None:
        self.settings = settings
        self.sessions = sessions
        self.gateway = gateway
        self.cipher = cipher
        self.soft_bounces = SoftBouncePolicy(
            suppress_after=settings.soft_bounce_suppress_after,
            window=timedelta(days=settings.soft_bounce_window_days),
            hold=timedelta(days=settings.soft_bounce_suppress_days),
        )

    def sync(self, account_id: uuid.UUID) -> SyncResult | None:
        """Run one sync; None when another sync of the account holds the lock (try again soon)."""
        with self.sessions() as lock_session, account_lock(lock_session, account_id) as held:
            if not held:
                return None
            return self._sync_locked(account_id)

    def _sync_locked(self, account_id: uuid.UUID) -> SyncResult:
        with self.sessions() as session:
            account = session.get(MailAccount, account_id)
            if account is None or account.state != AccountState.ACTIVE or not account.credentials_encrypted:
                return SyncResult(ran=False)
            ref = AccountRef(str(account.id), account.email, self.cipher.decrypt(account.credentials_encrypted))
            cursor = account.history_id
        try:
            if cursor is None:
                return self._full_resync(account_id, ref)
            return self._incremental(account_id, ref, cursor)
        except HistoryExpired:
            log.info("history expired for %s; running a full resync", ref.email)
            return self._full_resync(account_id, ref)
        except AuthRevoked as error:
            with self.sessions() as session:
                accounts.mark_needs_reauth(session, account_id, error.message)
            return SyncResult(ran=False)
        except ConfigurationError as error:
            log.error("sync of %s stopped, Gmail is misconfigured: %s", ref.email, error.message)
            with self.sessions() as session:
                accounts.record_watch_error(session, account_id, SYNC_ERROR_PREFIX + error.message)
            return SyncResult(ran=False, error=error.message)

    def _incremental(self, account_id: uuid.UUID, ref: AccountRef, cursor: int) -> SyncResult:
        token: str | None = None
        ingested = 0
        while True:
            page: HistoryPage = self.gateway.history(ref, cursor, token)
            token = page.next_page_token
            ingested += self._ingest(account_id, ref, page.message_ids, new_cursor=None if token else page.history_id)
            if not token:
                return SyncResult(ran=True, ingested=ingested, history_id=page.history_id)

    def _full_resync(self, account_id: uuid.UUID, ref: AccountRef) -> SyncResult:
        """Re-read recent mail (configurable window); the cursor is taken first, so nothing falls between."""
        _email, history_id = self.gateway.profile(ref)
        token: str | None = None
        ingested = 0
        while True:
            page = self.gateway.list_recent(ref, self.settings.full_sync_days, token)
            token = page.next_page_token
            # Oldest first, so replies and bounces find the emails they answer.
            ingested += self._ingest(
                account_id, ref, tuple(reversed(page.message_ids)), new_cursor=None if token else history_id
            )
            if not token:
                return SyncResult(ran=True, ingested=ingested, full_resync=True, history_id=history_id)

    def _ingest(self, account_id: uuid.UUID, ref: AccountRef, ids: tuple[str, ...], new_cursor: int | None) -> int:
        size = max(1, min(50, self.settings.sync_batch_size))
        count = 0
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)] or [()]
        for index, chunk in enumerate(chunks):
            fetched = self.gateway.fetch(ref, list(chunk)) if chunk else []
            with self.sessions() as session:
                account = session.get(MailAccount, account_id)
                if account is None:
                    return count
                for message in fetched:
                    ingest(session, account, message, policy=self.soft_bounces)
                    count += 1
                if new_cursor is not None and index == len(chunks) - 1:
                    if account.history_id is None or new_cursor > account.history_id:
                        account.history_id = new_cursor
                    account.last_synced_at = utcnow()
                    if account.watch_error and account.watch_error.startswith(SYNC_ERROR_PREFIX):
                        account.watch_error = None
                    session.add(account)
        return count
