"""Use cases for connected Gmail accounts: the OAuth flow's state, connecting, states, disconnecting."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, select

from domain import account_health, account_kind
from domain.account_kind import AccountKind
from domain.errors import DomainError, ErrorCode, NotFound
from domain.gateway import WatchState
from domain.records import AccountState, MailAccount, OAuthFlow, utcnow


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256 code challenge."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def check_redirect(redirect_after: str | None, allowed_origins: list[str]) -> None:
    """Only a local path or an allowed origin: never an open redirect to anywhere."""
    if redirect_after is None:
        return
    if "\r" in redirect_after or "\n" in redirect_after:
        raise DomainError(ErrorCode.INVALID_INPUT, "redirectAfter must not contain line breaks", "redirectAfter")
    if redirect_after.startswith("/") and not redirect_after.startswith("//") and "\\" not in redirect_after:
        return
    parts = urlsplit(redirect_after)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme in ("http", "https") and origin in {o.rstrip("/") for o in allowed_origins}:
        return
    raise DomainError(
        ErrorCode.INVALID_INPUT, "redirectAfter must be a path on this service or an allowed origin", "redirectAfter"
    )


def start_connection(
    session: Session,
    organization_id: uuid.UUID,
    redirect_after: str | None,
    allowed_origins: list[str],
    now: datetime | None = None,
) -> tuple[str, str]:
    """Record a new flow; return its `state` and PKCE `code_verifier` (only the state's hash is stored)."""
    check_redirect(redirect_after, allowed_origins)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    session.add(
        OAuthFlow(
            state_hash=_hash(state),
            organization_id=organization_id,
            code_verifier=verifier,
            redirect_after=redirect_after,
            created_at=now or utcnow(),
        )
    )
    return state, verifier


def consume_state(session: Session, state: str | None, ttl: timedelta, now: datetime | None = None) -> OAuthFlow:
    """The flow `state` belongs to, marked used; unknown, replayed or expired states are refused."""
    now = now or utcnow()
    if not state:
        raise DomainError(ErrorCode.OAUTH_STATE_INVALID, "the callback has no state", "state")
    flow = session.exec(select(OAuthFlow).where(OAuthFlow.state_hash == _hash(state)).with_for_update()).first()
    if flow is None:
        raise DomainError(ErrorCode.OAUTH_STATE_INVALID, "unknown state: start the connection again", "state")
    if flow.used_at is not None:
        raise DomainError(ErrorCode.OAUTH_STATE_INVALID, "this authorization was already used", "state")
    if flow.created_at < now - ttl:
        raise DomainError(ErrorCode.OAUTH_STATE_INVALID, "the authorization expired: start again", "state")
    flow.used_at = now
    session.add(flow)
    return flow


def missing_scopes(granted: list[str], required: list[str]) -> list[str]:
    return sorted(set(required) - set(granted))


def connect_account(
    session: Session,
    organization_id: uuid.UUID,
    email: str,
    credentials_encrypted: str,
    scopes: list[str],
    display_name: str | None = None,
    now: datetime | None = None,
    hosted_domain: str | None = None,
) -> tuple[MailAccount, list[uuid.UUID]]:
    """Create the organization's account for `email`, or re-activate it; refuse another organization's.

    Returns the account and the emails that waited for it to be reconnected (enqueue them after
    the commit). A new account gets the daily cap of its kind (domain/account_kind.py).
    """
    now = now or utcnow()
    address = email.strip().lower()
    account = session.exec(select(MailAccount).where(MailAccount.email == address).with_for_update()).first()
    if account is not None and account.organization_id != organization_id:
        raise DomainError(
            ErrorCode.ACCOUNT_CONFLICT, f"{address} is already connected to another organization", "email"
        )
    kind = account_kind.kind_of(address, hosted_domain)
    is_new = account is None
    if account is None:
        account = MailAccount(
            organization_id=organization_id,
            email=address,
            display_name=display_name,
            created_at=now,
            kind=kind,
            daily_send_cap=account_kind.default_cap(kind),
        )
    elif kind != AccountKind.UNKNOWN and account.kind != kind:
        account.kind = kind  # learnt now; a cap set by hand stays as it is
    was_active = account.state == AccountState.ACTIVE and account.credentials_encrypted is not None
    account.state = AccountState.ACTIVE
    account.state_reason = None
    account.credentials_encrypted = credentials_encrypted
    account.scopes = sorted(scopes)
    account.updated_at = now
    session.add(account)
    session.flush()
    resumed = [] if was_active or is_new else account_health.resume_waiting(session, account, "oauth:connect", now)
    return account, resumed


def record_watch(session: Session, account_id: uuid.UUID, watch: WatchState, now: datetime | None = None) -> None:
    """Store the watch's expiry; the first watch also sets the sync cursor."""
    account = session.get(MailAccount, account_id, with_for_update=True)
    if account is None:
        return
    account.watch_expires_at = watch.expires_at
    account.watch_error = None
    if account.history_id is None:
        account.history_id = watch.history_id
    account.updated_at = now or utcnow()
    session.add(account)


def record_watch_error(
    session: Session, account_id: uuid.UUID, message: str, warn_within: timedelta | None = None
) -> None:
    """Keep the watch's (or sync's) error on the account; with `warn_within`, a first failure while
    the watch expires within that window is announced to subscribers."""
    account = session.get(MailAccount, account_id, with_for_update=True)
    if account is not None:
        now = utcnow()
        if warn_within is not None:
            account_health.watch_failed(session, account, message, warn_within, now)
        account.watch_error = message[:2000]
        account.updated_at = now
        session.add(account)


def mark_needs_reauth(session: Session, account_id: uuid.UUID, reason: str) -> None:
    """The grant was revoked (invalid_grant) or lost a scope: the user must reconnect."""
    account = session.get(MailAccount, account_id, with_for_update=True)
    if account is not None:
        account_health.mark_needs_reauth(session, account, reason)


def get_account(session: Session, organization_id: uuid.UUID, account_id: uuid.UUID) -> MailAccount:
    account = session.exec(
        select(MailAccount).where(MailAccount.id == account_id, MailAccount.organization_id == organization_id)
    ).first()
    if account is None:
        raise NotFound("mail account")
    return account


def disconnect(session: Session, organization_id: uuid.UUID, account_id: uuid.UUID, reason: str) -> MailAccount:
    """Forget the credentials and stop syncing; the account's emails and history stay."""
    account = get_account(session, organization_id, account_id)
    account.state = AccountState.DISCONNECTED
    account.state_reason = reason
    account.credentials_encrypted = None
    account.watch_expires_at = None
    account.updated_at = utcnow()
    session.add(account)
    return account
