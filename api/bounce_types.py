"""The seed's `bounceDetails`, typed: exactly the stored JSON, plus each address's verdict."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry

from api.recipients import BouncePermanence, BounceScope, _enum
from domain.ledger.signals import address_key

Verdicts = Callable[[], Awaitable[dict[str, dict[str, Any]]]]
"""Per address key, the parsed report entry of its strongest failure (loaded only when asked for)."""


def known(verdicts: dict[str, dict[str, Any]]) -> Verdicts:
    async def get() -> dict[str, dict[str, Any]]:
        return verdicts

    return get


@strawberry.type(description="One bounced address, as the stored bounce_details name it, with its verdict.")
class BouncedRecipient:
    email: str = strawberry.field(description="The bounced address.")
    action: str | None = strawberry.field(description="The report's RFC 3464 Action (failed, delayed).")
    status_code: str | None = strawberry.field(description="The report's RFC 3463 status code (5.1.1).")
    diagnostic: str | None = strawberry.field(description="The remote server's own words (Diagnostic-Code).")
    verdicts: strawberry.Private[Verdicts]

    async def _verdict(self) -> dict[str, Any]:
        return (await self.verdicts()).get(address_key(self.email), {})

    @strawberry.field(description="Why, in sisimai's vocabulary (lower case): userunknown, mailboxfull, blocked, ...")
    async def reason(self) -> str | None:
        return (await self._verdict()).get("reason") or None

    @strawberry.field(description="Whether trying again can ever help.")
    async def permanence(self) -> BouncePermanence | None:
        return _enum(BouncePermanence, (await self._verdict()).get("permanence"))

    @strawberry.field(description="Whose problem the bounce is (the address, the sender, the message...).")
    async def scope(self) -> BounceScope | None:
        return _enum(BounceScope, (await self._verdict()).get("scope"))


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@strawberry.type(
    description=(
        "The stored `bounce_details` JSON, typed: `{bounced_recipients: [{email, action, status_code, diagnostic}], "
        "detected_at}`. A later bounce of another recipient adds to the list and never changes detectedAt."
    )
)
class BounceDetails:
    bounced_recipients: list[BouncedRecipient] = strawberry.field(
        description="Each bounced address, in the order detected."
    )
    detected_at: datetime | None = strawberry.field(description="When Mailtrail first detected a bounce (UTC).")

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, verdicts: Verdicts) -> BounceDetails | None:
        if not data:
            return None
        return cls(
            bounced_recipients=[
                BouncedRecipient(
                    email=r.get("email", ""),
                    action=r.get("action"),
                    status_code=r.get("status_code"),
                    diagnostic=r.get("diagnostic"),
                    verdicts=verdicts,
                )
                for r in data.get("bounced_recipients", [])
            ],
            detected_at=_parse_time(data.get("detected_at")),
        )
