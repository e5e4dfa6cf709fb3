"""GraphQL shapes of the recipients ledger: each recipient's delivery truth and its vocabulary."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from api.context import Context
from api.lean_fields import never_awaitable
from api.loaders import Loaders
from api.row_fields import convert_lazily
from domain import records
from domain.ledger.precedence import DeliveryState

if TYPE_CHECKING:
    from api.types import EmailMessage

Info = strawberry.Info[Context, None]
T = TypeVar("T", bound=Enum)
EmailMessageRef = Annotated["EmailMessage", strawberry.lazy("api.types")]


@strawberry.enum(description="How an address was given: To, Cc or Bcc.")
class RecipientRole(Enum):
    TO = strawberry.enum_value("TO", description="To:")
    CC = strawberry.enum_value("CC", description="Cc:")
    BCC = strawberry.enum_value("BCC", description="Bcc: (never shown to the other recipients)")


@strawberry.enum(
    description=(
        "What became of an email for one recipient. Precedence, weakest first: SENT < DELAYED < AUTO_REPLIED "
        "< BOUNCED < REPLIED; a weaker signal never overwrites a stronger one (a late delay notice never "
        "undoes a bounce, and nothing undoes a human reply)."
    )
)
class RecipientDeliveryState(Enum):
    SENT = strawberry.enum_value("SENT", description="Gmail accepted the email; nothing heard since.")
    DELAYED = strawberry.enum_value("DELAYED", description="A delay notice (4.x.x): the remote side still tries.")
    BOUNCED = strawberry.enum_value("BOUNCED", description="A bounce: the remote side gave up.")
    REPLIED = strawberry.enum_value("REPLIED", description="The recipient answered.")
    AUTO_REPLIED = strawberry.enum_value("AUTO_REPLIED", description="An automatic reply (out of office, vacation).")


@strawberry.enum(description="Whether trying again can ever help.")
class BouncePermanence(Enum):
    HARD = strawberry.enum_value("hard", description="Permanent: the address does not work.")
    SOFT = strawberry.enum_value("soft", description="Temporary or fixable: a later send may arrive.")
    UNDETERMINED = strawberry.enum_value("undetermined", description="The report does not say.")


@strawberry.enum(description="Whose problem a bounce is.")
class BounceScope(Enum):
    ADDRESS = strawberry.enum_value("address", description="The recipient's address (unknown user, host...).")
    SENDER = strawberry.enum_value(
        "sender", description="The sender: reputation, authentication, blocked. The mailbox owner must act."
    )
    MESSAGE = strawberry.enum_value("message", description="This message: its content or size.")
    TRANSIENT = strawberry.enum_value("transient", description="A passing condition (full mailbox, delay...).")


@strawberry.enum(description="Which evidence tied a bounce or a reply to its email.")
class Correlation(Enum):
    IN_REPLY_TO = strawberry.enum_value("IN_REPLY_TO", description="Its In-Reply-To or References named the email.")
    MESSAGE_ID_IN_REPORT = strawberry.enum_value(
        "MESSAGE_ID_IN_REPORT", description="The bounce report carried the email's Message-ID."
    )
    MAILTRAIL_HEADER = strawberry.enum_value(
        "MAILTRAIL_HEADER", description="The returned message carried the email's X-Mailtrail-Id."
    )
    THREAD = strawberry.enum_value("THREAD", description="Only the Gmail thread matched (the weakest evidence).")
    MANUAL = strawberry.enum_value("MANUAL", description="Linked by hand with linkBounce.")


def _enum(kind: type[T], value: str | None) -> T | None:
    try:
        return kind(value) if value else None
    except ValueError:  # a value from a newer parser than this schema knows
        return None


@never_awaitable
@strawberry.type(description="One recipient of an email (one row per address and role) with its own delivery truth.")
class Recipient:
    address: str = strawberry.field(description="The address, lower case.")
    role: RecipientRole = strawberry.field(description="To, Cc or Bcc.")
    delivery_state: RecipientDeliveryState | None = strawberry.field(description="Null until Gmail accepted the email.")
    status_code: str | None = strawberry.field(description="The bounce's RFC 3463 status code (e.g. 5.1.1).")
    action: str | None = strawberry.field(description="The bounce's RFC 3464 Action (failed, delayed).")
    diagnostic: str | None = strawberry.field(description="The remote server's own words.")
    reason: str | None = strawberry.field(
        description="Why, in sisimai's vocabulary (lower case): userunknown, hostunknown, mailboxfull, blocked, ..."
    )
    permanence: BouncePermanence | None = strawberry.field(
        description="Whether trying again can help (from the bounce); null without one."
    )
    scope: BounceScope | None = strawberry.field(
        description="Whose problem the bounce is (from the bounce); null without one."
    )
    detected_at: datetime | None = strawberry.field(description="When Mailtrail read the notice or the reply.")
    reported_at: datetime | None = strawberry.field(description="The notice's own date (or the reply's Date).")
    correlation: Correlation | None = strawberry.field(description="How the notice or reply was tied to the email.")
    email_id: strawberry.ID = strawberry.field(description="The OutboundEmail this recipient belongs to.")
    message_id: strawberry.Private[uuid.UUID | None] = None
    bound_loaders: strawberry.Private[Loaders | None] = None

    @classmethod
    def from_row(cls, row: records.OutboundRecipient, loaders: Loaders | None = None) -> Recipient:
        """The recipient of `row`. A named tuple row (api.loaders.fetch_rows) never changes, so each
        field is converted when first read (a page reads 4 of 13); an ORM row may be expired after
        its session, so every field is converted now."""
        if isinstance(row, tuple):
            recipient = cls.__new__(cls)
            recipient.__dict__.update(row=row, message_id=row.message_id, bound_loaders=loaders)
            return recipient
        return cls(
            **{name: convert(row) for name, convert in RECIPIENT_FROM_ROW.items()},
            message_id=row.message_id,
            bound_loaders=loaders,
        )

    @classmethod
    def from_event(cls, data: dict[str, Any], email_id: uuid.UUID, loaders: Loaders | None = None) -> Recipient:
        """The recipient as a `recipient_updated` event recorded it."""

        def when(name: str) -> datetime | None:
            value = data.get(name)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        message = data.get("message_id")
        return cls(
            address=str(data.get("address", "")),
            role=_enum(RecipientRole, data.get("role")) or RecipientRole.TO,
            delivery_state=_enum(RecipientDeliveryState, data.get("delivery_state")),
            status_code=data.get("status_code"),
            action=data.get("action"),
            diagnostic=data.get("diagnostic"),
            reason=data.get("reason"),
            permanence=_enum(BouncePermanence, data.get("permanence")),
            scope=_enum(BounceScope, data.get("scope")),
            detected_at=when("detected_at"),
            reported_at=when("reported_at"),
            correlation=_enum(Correlation, data.get("correlation")),
            email_id=strawberry.ID(str(email_id)),
            message_id=uuid.UUID(message) if isinstance(message, str) else None,
            bound_loaders=loaders,
        )

    async def _message(self, info: Info, states: tuple[DeliveryState, ...]) -> EmailMessage | None:
        from api.types import EmailMessage

        if self.message_id is None or self.delivery_state is None:
            return None
        if DeliveryState[self.delivery_state.name] not in states:
            return None
        row = await (self.bound_loaders or info.context.loaders).email_message_by_id.load(self.message_id)
        return EmailMessage.from_row(row) if row else None

    @strawberry.field(description="The bounce or delay notice (DSN) behind a BOUNCED or DELAYED state.")
    async def bounce_message(self, info: Info) -> EmailMessageRef | None:
        return await self._message(info, (DeliveryState.BOUNCED, DeliveryState.DELAYED))

    @strawberry.field(description="The reply behind a REPLIED or AUTO_REPLIED state.")
    async def reply_message(self, info: Info) -> EmailMessageRef | None:
        return await self._message(info, (DeliveryState.REPLIED, DeliveryState.AUTO_REPLIED))


RECIPIENT_FROM_ROW: dict[str, Any] = {
    "address": lambda row: row.address,
    "role": lambda row: RecipientRole(row.role.value),
    "delivery_state": lambda row: RecipientDeliveryState(row.delivery_state.value) if row.delivery_state else None,
    "status_code": lambda row: row.status_code,
    "action": lambda row: row.action,
    "diagnostic": lambda row: row.diagnostic,
    "reason": lambda row: row.reason,
    "permanence": lambda row: _enum(BouncePermanence, row.permanence),
    "scope": lambda row: _enum(BounceScope, row.scope),
    "detected_at": lambda row: row.detected_at,
    "reported_at": lambda row: row.reported_at,
    "correlation": lambda row: Correlation(row.correlation.value) if row.correlation else None,
    "email_id": lambda row: strawberry.ID(str(row.email_id)),
}
"""How each field of Recipient is made from its row (`Recipient.from_row`)."""
convert_lazily(Recipient, RECIPIENT_FROM_ROW)  # a lazily built recipient converts each field when first read
