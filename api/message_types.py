"""A message synced from the Gmail mailbox, as clients see it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.bounce_types import BounceDetails, known
from domain import records
from domain.ledger.signals import strongest_failures


@strawberry.type(description="A message synced from the Gmail mailbox.")
class EmailMessage:
    id: strawberry.ID = strawberry.field(description="Mailtrail's id of the message.")
    gmail_id: str = strawberry.field(description="Gmail's message id.")
    thread_id: str = strawberry.field(description="Gmail's thread id.")
    direction: str = strawberry.field(description="INBOUND (received by the mailbox) or OUTBOUND (sent from it).")
    from_address: str | None = strawberry.field(description="The From header as written.")
    to_addresses: str | None = strawberry.field(description="The To header as written (comma-separated).")
    subject: str | None = strawberry.field(description="The Subject header.")
    snippet: str | None = strawberry.field(description="Gmail's short plain-text excerpt of the body.")
    message_id_header: str | None = strawberry.field(description="The Message-ID header (with its angle brackets).")
    in_reply_to: str | None = strawberry.field(description="The In-Reply-To header.")
    label_ids: list[str] = strawberry.field(description="Gmail's label ids (INBOX, SENT, ...).")
    date: datetime | None = strawberry.field(description="The Date header, in UTC; null when missing or unreadable.")
    auto_reply_kind: str | None = strawberry.field(
        description=(
            "For an automatic reply: out-of-office, vacation, challenge-response or auto-replied; otherwise null."
        )
    )
    is_bounce: bool = strawberry.field(description="Whether it is a bounce or delay notice (a DSN).")
    relation: str | None = strawberry.field(
        description="How it relates to an email Mailtrail sent: SENT_COPY, REPLY, AUTO_REPLY or BOUNCE; null: none."
    )
    bounce_details: BounceDetails | None = strawberry.field(
        description="For a bounce: its bounced recipients with their verdicts."
    )
    created_at: datetime = strawberry.field(description="When Mailtrail synced it (UTC).")

    @classmethod
    def from_row(cls, row: records.EmailMessage) -> EmailMessage:
        return cls(
            id=strawberry.ID(str(row.id)),
            gmail_id=row.gmail_id,
            thread_id=row.thread_id,
            direction=row.direction.value if hasattr(row.direction, "value") else str(row.direction),
            from_address=row.from_address,
            to_addresses=row.to_addresses,
            subject=row.subject,
            snippet=row.snippet,
            message_id_header=row.message_id_header,
            in_reply_to=row.in_reply_to,
            label_ids=list(row.label_ids or []),
            date=row.date,
            auto_reply_kind=row.auto_reply_kind,
            is_bounce=row.is_bounce,
            relation=row.relation,
            created_at=row.created_at,
            bounce_details=BounceDetails.from_json(
                row.bounce_details, known(strongest_failures([(row.bounce_report or {}, row.created_at)]))
            ),
        )
