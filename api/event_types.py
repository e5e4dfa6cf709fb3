"""The audit trail's GraphQL shapes: an email's steps and its attachments' descriptions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import strawberry
from strawberry.scalars import JSON

from api.lean_fields import never_awaitable
from api.loaders import EventRow
from domain import records


@strawberry.type(description="A file attached to an email (its bytes are not served over GraphQL).")
class Attachment:
    filename: str = strawberry.field(description="The file name as given.")
    content_type: str = strawberry.field(description="Its MIME type (application/pdf).")
    size: int = strawberry.field(description="Its decoded size in bytes.")


@never_awaitable
@strawberry.type(description="One step of an email's audit trail.")
class OutboundEmailEvent:
    kind: str = strawberry.field(
        description=(
            "What happened, lower case: created, updated, scheduled, queued, attempt, sent, "
            "failed, bounce_detected, ..."
        )
    )
    at: datetime = strawberry.field(description="When it happened (UTC).")
    data: JSON = strawberry.field(
        resolver=lambda root: root.decoded_data(),
        description='The step\'s details as a JSON object (its keys depend on kind, e.g. `{"status": "PENDING"}`).',
    )
    actor: str = strawberry.field(
        description="Who did it: `api:token:<id>`, `api:client:<id>`, or a Mailtrail process (worker, sync, scheduler)."
    )
    cursor: str = strawberry.field(
        description="The event's position (a decimal integer), increasing across the organization."
    )
    email_id: strawberry.ID = strawberry.field(description="The email the step belongs to.")
    details: strawberry.Private[Any] = None
    """The step's details: a decoded object, or the JSON text of an `EventRow` (decoded when asked for)."""
    details_json: strawberry.Private[bool] = False

    def decoded_data(self) -> JSON:
        """`data`: an `EventRow`'s JSON text is decoded here, when a selection asks for it."""
        if self.details_json:
            return cast(JSON, json.loads(self.details))
        return cast(JSON, self.details)

    @classmethod
    def from_row(cls, row: records.OutboundEmailEvent | EventRow) -> OutboundEmailEvent:
        """The step of `row`, built without the dataclass's __init__ (a page builds three hundred);
        `emailId`, seldom asked for on a page, is made from the row when first read."""
        listed = isinstance(row, EventRow)
        event = cls.__new__(cls)
        event.__dict__.update(
            kind=row.kind,
            at=row.at,
            actor=row.actor,
            cursor=str(row.seq),
            details=row.data_json if listed else row.data,  # type: ignore[union-attr]
            details_json=listed,
            email_uuid=row.email_id,
        )
        return event

    if not TYPE_CHECKING:  # mypy keeps checking attribute names

        def __getattr__(self, name: str) -> Any:
            if name != "email_id" or "email_uuid" not in self.__dict__:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            self.email_id = strawberry.ID(str(self.email_uuid))
            return self.email_id
