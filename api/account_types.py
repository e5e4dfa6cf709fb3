"""GraphQL shapes of a connected Gmail account: its state, kind, daily cap and usage, sender warning."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from api.context import Context, LiveContext
from api.loaders import Loaders
from domain import records
from domain.quota import DAY

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Whether a mail account can send and sync.")
class MailAccountState(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Connected: it sends and syncs.")
    NEEDS_REAUTH = strawberry.enum_value(
        "NEEDS_REAUTH", description="The grant was revoked or lost a scope: reconnect it; its emails wait meanwhile."
    )
    DISCONNECTED = strawberry.enum_value(
        "DISCONNECTED", description="Disconnected by request: no grant, no watch, no credentials; its history stays."
    )


@strawberry.enum(description="Which Gmail the mailbox is, which decides its daily sending limit.")
class MailAccountKind(Enum):
    CONSUMER = strawberry.enum_value("CONSUMER", description="gmail.com: about 500 messages a day.")
    WORKSPACE = strawberry.enum_value("WORKSPACE", description="Google Workspace: 2,000 messages a day.")
    UNKNOWN = strawberry.enum_value("UNKNOWN", description="Gmail did not say; the safe 500 applies until set.")


@strawberry.type(description="The account's sends in the rolling 24 hours against its daily cap.")
class DailySendUsage:
    sent_last_24_hours: int = strawberry.field(
        description="Emails it sent in the last 24 hours (a rolling window, not a calendar day)."
    )
    cap: int = strawberry.field(description="Its daily send cap (emails per rolling 24 hours).")
    remaining: int = strawberry.field(
        description="How many more it may send now (cap minus sentLast24Hours, never below 0)."
    )
    next_slot_at: datetime | None = strawberry.field(
        description="When the cap is reached: the earliest time a slot may open (the oldest send leaves the window)."
    )


@strawberry.type(
    description=(
        "A bounce blamed the sender (reputation, authentication, blocked): the mailbox owner must act. Stays "
        "until acknowledged (acknowledgeSenderWarning)."
    )
)
class SenderWarning:
    reason: str | None = strawberry.field(description="sisimai's vocabulary, e.g. blocked, badreputation.")
    status_code: str | None = strawberry.field(description="The bounce's RFC 3463 status code (5.7.1).")
    diagnostic: str | None = strawberry.field(description="The remote server's own words.")
    recipient: str | None = strawberry.field(description="The recipient whose bounce said so.")
    detected_at: datetime | None = strawberry.field(description="When Mailtrail read the bounce (UTC).")
    bounce_message_id: strawberry.ID | None = strawberry.field(description="The bounce (an EmailMessage) as evidence.")
    outbound_email_id: strawberry.ID | None = strawberry.field(description="The email that bounced.")

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SenderWarning | None:
        if not data:
            return None
        detected = data.get("detected_at")
        return cls(
            reason=data.get("reason"),
            status_code=data.get("status_code"),
            diagnostic=data.get("diagnostic"),
            recipient=data.get("recipient"),
            detected_at=datetime.fromisoformat(detected.replace("Z", "+00:00")) if isinstance(detected, str) else None,
            bounce_message_id=strawberry.ID(data["bounce_message_id"]) if data.get("bounce_message_id") else None,
            outbound_email_id=strawberry.ID(data["outbound_email_id"]) if data.get("outbound_email_id") else None,
        )


@strawberry.type(description="A connected Gmail account; its credentials are never exposed.")
class MailAccount:
    id: strawberry.ID = strawberry.field(description="The account's id (accountId elsewhere).")
    email: str = strawberry.field(description="The Gmail address, lower case.")
    display_name: str | None = strawberry.field(
        description="The name shown in From: (Google's profile name, when known)."
    )
    state: MailAccountState = strawberry.field(description="Whether it can send and sync.")
    state_reason: str | None = strawberry.field(
        description="Why it is not ACTIVE (e.g. the grant was revoked), for a person."
    )
    scopes: list[str] = strawberry.field(description="The OAuth scopes Google granted (full URLs).")
    watch_expires_at: datetime | None = strawberry.field(
        description="When Gmail's push watch ends unless renewed (Mailtrail renews it ahead of time)."
    )
    watch_error: str | None = strawberry.field(description="Why the last watch renewal failed; null when it worked.")
    last_synced_at: datetime | None = strawberry.field(description="When the mailbox was last synced (UTC).")
    kind: MailAccountKind = strawberry.field(
        description="Consumer Gmail or Google Workspace (decides the daily sending limit)."
    )
    sender_warning: SenderWarning | None = strawberry.field(
        description="A bounce that blamed the sender, until acknowledged; null when none."
    )
    created_at: datetime = strawberry.field(description="When it was first connected (UTC).")
    row: strawberry.Private[records.MailAccount]
    bound_loaders: strawberry.Private[Loaders | None] = None

    @classmethod
    def from_row(cls, row: records.MailAccount, loaders: Loaders | None = None) -> MailAccount:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            state=MailAccountState(row.state),
            state_reason=row.state_reason,
            scopes=list(row.scopes or []),
            watch_expires_at=row.watch_expires_at,
            watch_error=row.watch_error,
            last_synced_at=row.last_synced_at,
            kind=MailAccountKind(row.kind.value),
            sender_warning=SenderWarning.from_json(row.sender_warning),
            created_at=row.created_at,
            row=row,
            bound_loaders=loaders,
        )

    @strawberry.field(description="How many emails it sends in any 24 hours (setDailySendCap changes it).")
    def daily_send_cap(self, info: strawberry.Info[Context | LiveContext, None]) -> int:
        return self.row.daily_send_cap if self.row.daily_send_cap is not None else info.context.settings.daily_send_cap

    @strawberry.field(description="Its sends in the rolling 24 hours against the daily cap.")
    async def daily_send_usage(self, info: strawberry.Info[Context | LiveContext, None]) -> DailySendUsage:
        loaders = self.bound_loaders or getattr(info.context, "loaders", None)
        assert loaders is not None, "a subscription's account is delivered with its loaders"
        sent, oldest = await loaders.sent_last_day_by_account_id.load(uuid.UUID(str(self.id)))
        cap = self.daily_send_cap(info)
        return DailySendUsage(
            sent_last_24_hours=sent,
            cap=cap,
            remaining=max(0, cap - sent),
            next_slot_at=oldest + DAY if sent >= cap and oldest is not None else None,
        )
