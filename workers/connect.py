"""Connecting, disconnecting and keeping alive Gmail accounts: the I/O around domain.accounts."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, or_, select

from domain import accounts
from domain.dispatch import Sessions
from domain.errors import DomainError, ErrorCode
from domain.gateway import AccountRef, AuthRevoked, GatewayError, MailGateway
from domain.records import AccountState, MailAccount, utcnow
from domain.settings import Settings
from workers.credentials import CredentialCipher
from workers.oauth import OAuthFailed, exchange_code, revoke

log = logging.getLogger("mailtrail.accounts")


@dataclass(frozen=True)
class Connected:
    account_id: uuid.UUID
    email: str
    redirect_after: str | None


def account_ref(account: MailAccount, cipher: CredentialCipher) -> AccountRef:
    if not account.credentials_encrypted:
        raise DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, f"{account.email} has no credentials", "accountId")
    return AccountRef(str(account.id), account.email, cipher.decrypt(account.credentials_encrypted))


def complete_connection(
    settings: Settings,
    sessions: Sessions,
    gateway: MailGateway,
    cipher: CredentialCipher,
    state: str | None,
    code: str | None,
    enqueue_send: Callable[[uuid.UUID], None] | None = None,
) -> Connected:
    """The OAuth callback: check the state, trade the code, read the address, store, watch.

    The state is spent first (in its own commit) so a replayed callback fails even if a later
    step does; nothing else is stored unless every check passes.
    """
    with sessions() as session:
        flow = accounts.consume_state(session, state, timedelta(seconds=settings.oauth_state_ttl_seconds))
        organization_id, verifier, redirect_after = flow.organization_id, flow.code_verifier, flow.redirect_after
    if not code:
        raise DomainError(ErrorCode.OAUTH_FAILED, "the callback has no authorization code", "code")
    try:
        grant = exchange_code(settings, code, verifier)
    except OAuthFailed as error:
        raise DomainError(ErrorCode.OAUTH_FAILED, str(error), "code") from error
    missing = accounts.missing_scopes(grant.scopes, settings.oauth_scopes)
    if missing:
        revoke(settings, grant.refresh_token or grant.token)
        raise DomainError(
            ErrorCode.OAUTH_SCOPES_MISSING,
            f"Mailtrail needs these permissions, which were not granted: {', '.join(missing)}",
            "scope",
        )
    provisional = AccountRef("new", "", grant.credentials())
    try:
        email, _history = gateway.profile(provisional)
    except GatewayError as error:
        raise DomainError(ErrorCode.OAUTH_FAILED, f"could not read the Gmail profile: {error.message}", None) from error
    with sessions() as session:
        account, resumed = accounts.connect_account(
            session,
            organization_id,
            email,
            cipher.encrypt(grant.credentials()),
            grant.scopes,
            hosted_domain=grant.hosted_domain,
        )
        account_id = account.id
    resume(resumed, enqueue_send)
    start_watch(settings, sessions, gateway, cipher, account_id)
    return Connected(account_id, email, redirect_after)


def resume(email_ids: list[uuid.UUID], enqueue_send: Callable[[uuid.UUID], None] | None) -> None:
    """Enqueue the emails that waited for the account; one the broker refuses is the sweeper's."""
    if enqueue_send is None:
        from workers.actors import enqueue_send as enqueue

        enqueue_send = enqueue
    for email_id in email_ids:
        try:
            enqueue_send(email_id)
        except Exception as error:  # committed as due now: the sweeper re-enqueues it
            log.warning("could not enqueue resumed email %s (the sweeper will): %r", email_id, error)


def start_watch(
    settings: Settings, sessions: Sessions, gateway: MailGateway, cipher: CredentialCipher, account_id: uuid.UUID
) -> bool:
    """users.watch on every label; a failure is recorded on the account, not raised."""
    with sessions() as session:
        account = session.get(MailAccount, account_id)
        if account is None or account.state != AccountState.ACTIVE:
            return False
        ref = account_ref(account, cipher)
    try:
        watch = gateway.watch(ref, settings.pubsub_topic)
    except AuthRevoked as error:
        with sessions() as session:
            accounts.mark_needs_reauth(session, account_id, error.message)
        return False
    except GatewayError as error:
        log.warning("watch failed for %s: %s", ref.email, error.message)
        with sessions() as session:
            accounts.record_watch_error(
                session, account_id, error.message, warn_within=timedelta(hours=settings.watch_renew_within_hours)
            )
        return False
    with sessions() as session:
        accounts.record_watch(session, account_id, watch)
    return True


def renew_watches(
    settings: Settings,
    sessions: Sessions,
    gateway: MailGateway,
    cipher: CredentialCipher,
    now: datetime | None = None,
) -> int:
    """Renew every ACTIVE account's watch that expires within the window (Google: at least weekly)."""
    now = now or utcnow()
    horizon = now + timedelta(hours=settings.watch_renew_within_hours)
    with sessions() as session:
        ids = session.exec(
            select(MailAccount.id).where(
                MailAccount.state == AccountState.ACTIVE,
                or_(col(MailAccount.watch_expires_at).is_(None), col(MailAccount.watch_expires_at) < horizon),
            )
        ).all()
    return sum(start_watch(settings, sessions, gateway, cipher, account_id) for account_id in ids)


def disconnect_account(
    settings: Settings,
    sessions: Sessions,
    gateway: MailGateway,
    cipher: CredentialCipher,
    organization_id: uuid.UUID,
    account_id: uuid.UUID,
) -> MailAccount:
    """Stop the watch and revoke the grant (best effort), then forget the credentials; history stays."""
    with sessions() as session:
        account = accounts.get_account(session, organization_id, account_id)
        ref = account_ref(account, cipher) if account.credentials_encrypted else None
    notes = []
    if ref is not None:
        try:
            gateway.stop(ref)
        except GatewayError as error:
            notes.append(f"watch stop failed: {error.message}")
        token = ref.credentials.get("refresh_token") or ref.credentials.get("token")
        if token and not revoke(settings, str(token)):
            notes.append("token revocation failed")
    with sessions() as session:
        return accounts.disconnect(session, organization_id, account_id, "; ".join(["disconnected", *notes]))
