"""The plain types of `emailContext`: its counts and its timeline's page."""

from __future__ import annotations

import strawberry

from api.types import OutboundEmailEvent, PageInfo


@strawberry.type(description="How many recipients (across the entity's emails) are in each delivery state.")
class RecipientCounts:
    total: int = strawberry.field(
        description="Recipients across the entity's emails (one per address and role of each email)."
    )
    not_sent: int = strawberry.field(description="Not (yet) accepted by Gmail.")
    sent: int = strawberry.field(description="Accepted by Gmail, nothing heard since.")
    delayed: int = strawberry.field(description="A delay notice arrived.")
    bounced: int = strawberry.field(description="A bounce arrived.")
    replied: int = strawberry.field(description="The recipient answered.")
    auto_replied: int = strawberry.field(description="An automatic reply arrived.")


@strawberry.type(description="The entity's emails counted by status and by delivery status.")
class EmailContextCounts:
    total: int = strawberry.field(description="All the entity's emails.")
    draft: int = strawberry.field(description="Emails in DRAFT.")
    pending: int = strawberry.field(description="Emails PENDING.")
    sent: int = strawberry.field(description="Emails SENT.")
    failed: int = strawberry.field(description="Emails FAILED.")
    delivered: int = strawberry.field(description="Emails whose deliveryStatus is delivered.")
    delayed: int = strawberry.field(description="Emails whose deliveryStatus is delayed.")
    replied: int = strawberry.field(description="Emails whose deliveryStatus is replied.")
    bounce_detected: int = strawberry.field(description="Emails whose deliveryStatus is bounce_detected.")
    recipients: RecipientCounts = strawberry.field(description="Their recipients counted by delivery state.")


@strawberry.type(description="One audit event in a page of the timeline.")
class TimelineEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the events after (older than) this one.")
    node: OutboundEmailEvent = strawberry.field(description="The event.")


@strawberry.type(description="Audit events across the entity's emails, newest first.")
class TimelineConnection:
    edges: list[TimelineEdge] = strawberry.field(description="The events of this page, each with its cursor.")
    page_info: PageInfo = strawberry.field(description="Where this page sits and how to get the next.")
