"""What a worker process shares: the sync engine's sessions, the Gmail gateway, the dispatcher."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from domain.dispatch import Dispatcher, Policy
from domain.settings import Settings, get_settings
from workers.context_provider import HttpContextProvider
from workers.context_provider import context_provider as make_context_provider
from workers.credentials import CredentialCipher
from workers.db import session_scope
from workers.failpoints import failpoint
from workers.gmail.client import GmailGateway
from workers.instrumented import InstrumentedDispatcher, InstrumentedGateway
from workers.sync import Syncer


def policy(settings: Settings) -> Policy:
    return Policy(
        lease=timedelta(seconds=settings.send_lease_seconds),
        deadline=timedelta(seconds=settings.send_deadline_seconds),
        daily_cap=settings.daily_send_cap,
        units_per_minute=settings.quota_units_per_minute,
        backoff_unit=settings.retry_backoff_seconds,
        backoff_cap=settings.retry_backoff_cap_seconds,
    )


@lru_cache(maxsize=1)
def gateway() -> InstrumentedGateway:
    settings = get_settings()
    return InstrumentedGateway(GmailGateway(settings, timeout=settings.gmail_timeout_seconds))


@lru_cache(maxsize=1)
def cipher() -> CredentialCipher:
    return CredentialCipher.from_settings(get_settings())


@lru_cache(maxsize=1)
def context_provider() -> HttpContextProvider:
    return make_context_provider(get_settings())


@lru_cache(maxsize=1)
def dispatcher() -> InstrumentedDispatcher:
    settings = get_settings()
    return InstrumentedDispatcher(
        Dispatcher(
            sessions=session_scope,
            gateway=gateway(),
            decrypt=cipher().decrypt,
            policy=policy(settings),
            failpoint=failpoint,
            context_provider=context_provider(),
        )
    )


@lru_cache(maxsize=1)
def syncer() -> Syncer:
    return Syncer(get_settings(), session_scope, gateway(), cipher())
