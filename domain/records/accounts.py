"""Connected Gmail accounts and the OAuth flows that connect them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from domain.account_kind import AccountKind
from domain.records.ids import new_id
from domain.records.types import HistoryId, JSONType, UTCDateTime, enum_column, utcnow


class AccountState(StrEnum):
    ACTIVE = "ACTIVE"
    NEEDS_REAUTH = "NEEDS_REAUTH"
    DISCONNECTED = "DISCONNECTED"


class MailAccount(SQLModel, table=True):
    """A Gmail mailbox an organization connected; one organization owns an address at a time."""

    __tablename__ = "mail_account"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320, unique=True, description="lower-cased")
    display_name: str | None = Field(default=None, max_length=200)
    provider: str = Field(default="gmail", max_length=20)
    state: AccountState = Field(default=AccountState.ACTIVE, sa_type=enum_column(AccountState))
    state_reason: str | None = None
    credentials_encrypted: str | None = Field(default=None, description="Fernet token; never exposed")
    scopes: list[str] = Field(default_factory=list, sa_type=JSONType)
    history_id: int | None = Field(default=None, sa_type=HistoryId, description="sync cursor (uint64)")
    watch_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    watch_error: str | None = None
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    daily_send_cap: int | None = Field(default=None, description="None: the configured default")
    kind: AccountKind = Field(default=AccountKind.UNKNOWN, sa_type=enum_column(AccountKind, 10))
    sender_warning: dict[str, Any] | None = Field(
        default=None, sa_type=JSONType, description="the latest sender-scope bounce, until acknowledged"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OAuthFlow(SQLModel, table=True):
    """An authorization-code flow in progress: the state and PKCE verifier, single use."""

    __tablename__ = "oauth_flow"

    state_hash: str = Field(primary_key=True, max_length=64)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    code_verifier: str = Field(max_length=200)
    redirect_after: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountSendHour(SQLModel, table=True):
    """How many sends an account recorded in one UTC hour (migration 0011).

    The claim's daily budget needs to know whether the account reached its cap in the rolling
    day; the sum of the last 25 hours' counts bounds that from above at a cost that does not grow
    with the volume, and only when the bound reaches the cap does the claim find the exact mark
    among the sends themselves (domain/dispatch/claim_read.py). Every send is counted in the
    statement that records it (domain/dispatch/outcomes.py), so the bound never falls short.
    """

    __tablename__ = "account_send_hour"

    account_id: uuid.UUID = Field(foreign_key="mail_account.id", primary_key=True, ondelete="CASCADE")
    hour: datetime = Field(primary_key=True, sa_type=UTCDateTime, description="the hour's start, UTC")
    sends: int = Field(default=0)


MINUTE_SLOTS = 4
"""How many minutes an account's attempt counts are kept in (a ring: a slot is reused four minutes
on). The claim reads the current and the previous minute; the other two leave room for workers
whose clocks differ by a little."""


class AccountAttemptMinute(SQLModel, table=True):
    """How many send attempts an account started in one UTC minute (migration 0012), in a ring of
    MINUTE_SLOTS rows per account.

    The claim's per-minute budget needs to know whether the account started its per-minute number
    of attempts in the rolling minute; the counts of the two minutes that minute overlaps bound
    that from above at a cost that does not grow with the volume, and only when the bound reaches
    the budget does the claim find the exact mark among the attempts themselves
    (domain/dispatch/claim_read.py), as `account_send_hour` does for the daily cap. Every attempt
    is counted in the statement that starts it (domain/dispatch/claim.py), so the bound never
    falls short. A slot holding an older minute is taken over by the newer one (its count starts
    again at 1); an attempt stamped with an older minute than its slot holds (a worker whose clock
    is behind) is added to the newer count: the bound may be high, never low.
    """

    __tablename__ = "account_attempt_minute"

    account_id: uuid.UUID = Field(foreign_key="mail_account.id", primary_key=True, ondelete="CASCADE")
    slot: int = Field(primary_key=True, description="the minute's number since the epoch, modulo MINUTE_SLOTS")
    minute: datetime = Field(sa_type=UTCDateTime, description="the minute's start, UTC")
    attempts: int = Field(default=0)
