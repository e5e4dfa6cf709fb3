"""`emailContext`: the email story of one entity (an invoice, say) in a bounded number of statements.

Whatever fields are asked for, it costs at most four SQL statements: one summary (counts by
status, delivery status and recipient state, the first human reply, the last activity), one page
of emails, one page of the merged timeline, one for the bouncing recipients. Each runs only when
its fields are asked for, and the summary runs once however many of its fields are.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement, and_, func, literal_column, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from api.counting import Count
from api.entity_types import EmailContextCounts, RecipientCounts, TimelineConnection, TimelineEdge
from api.errors import query_error
from api.inputs import OutboundEmailFilter, page_size
from api.loaders import Loaders
from api.queries import apply_filter, decode_cursor, encode_cursor
from api.recipients import Recipient
from api.types import OutboundEmail, OutboundEmailConnection, OutboundEmailEdge, OutboundEmailEvent, PageInfo
from domain import records, validation
from domain.errors import DomainError, ErrorCode
from domain.ledger.precedence import DeliveryState

E = records.OutboundEmail
R = records.OutboundRecipient
M = records.EmailMessage
V = records.OutboundEmailEvent
STATUSES = ("DRAFT", "PENDING", "SENT", "FAILED")
DELIVERY = ("delivered", "delayed", "replied", "bounce_detected")
STATES = tuple(state.value for state in DeliveryState)


Fetch = Callable[[Any], Awaitable[list[Any]]]


@strawberry.type(description="The email story of one entity: its emails, what became of them, and when.")
class EmailContext:
    context_type: str = strawberry.field(description="The kind of entity (e.g. `invoice`).")
    context_id: uuid.UUID | None = strawberry.field(description="Null: every entity of this contextType.")
    organization_id: strawberry.Private[uuid.UUID]
    loaders: strawberry.Private[Loaders]
    page_max: strawberry.Private[int]
    summary_task: strawberry.Private[asyncio.Future[Any] | None] = None

    def _in_context(self) -> list[ColumnElement[bool]]:
        conditions = [col(E.organization_id) == self.organization_id, col(E.context_type) == self.context_type]
        if self.context_id is not None:
            conditions.append(col(E.context_id) == self.context_id)
        return conditions

    def _email_ids(self) -> Any:
        return select(E.id).where(*self._in_context())

    async def _summary(self) -> Any:
        """The one statement behind counts, repliedAt and lastActivityAt (run once)."""
        if self.summary_task is None:
            self.summary_task = asyncio.ensure_future(self._load_summary())
        return await self.summary_task

    async def _load_summary(self) -> Any:
        emails = (
            sa_select(col(E.id), col(E.status), col(E.delivery_status)).where(*self._in_context()).cte("context_emails")
        )
        ids = sa_select(emails.c.id)
        by_email = sa_select(
            func.count().label("total"),
            *(func.count().filter(emails.c.status == s).label(f"status_{s}") for s in STATUSES),
            *(func.count().filter(emails.c.delivery_status == d).label(f"delivery_{d}") for d in DELIVERY),
        ).subquery()
        by_recipient = (
            sa_select(
                func.count().label("recipients"),
                func.count().filter(col(R.delivery_state).is_(None)).label("not_sent"),
                *(func.count().filter(col(R.delivery_state) == s).label(f"state_{s}") for s in STATES),
            )
            .where(col(R.email_id).in_(ids), col(R.organization_id) == self.organization_id)
            .subquery()
        )
        replied = (
            sa_select(func.min(func.coalesce(col(M.date), col(M.created_at))))
            .where(
                col(M.outbound_email_id).in_(ids),
                col(M.organization_id) == self.organization_id,
                col(M.relation) == records.Relation.REPLY,
            )
            .scalar_subquery()
        )
        last = (
            sa_select(func.max(col(V.at)))
            .where(col(V.email_id).in_(ids), col(V.organization_id) == self.organization_id)
            .scalar_subquery()
        )
        statement = sa_select(
            by_email, by_recipient, replied.label("replied_at"), last.label("last_activity_at")
        ).select_from(by_email.join(by_recipient, literal_column("1") == literal_column("1")))
        (row,) = await self.loaders.fetch(statement)
        return row._mapping

    @strawberry.field(description="The entity's emails, newest first; Relay-style paging.")
    async def emails(
        self,
        first: Annotated[int | None, strawberry.argument(description="Page size, 0 to `page_size_max` (100).")] = 20,
        after: Annotated[str | None, strawberry.argument(description="An edge's cursor: the page after it.")] = None,
    ) -> OutboundEmailConnection:
        try:
            limit = page_size(first, 20, self.page_max)
            position = decode_cursor(after) if after else None
        except DomainError as error:
            raise query_error(error) from None
        where = OutboundEmailFilter(context_type=self.context_type, context_id=self.context_id)
        page = apply_filter(select(E), self.organization_id, where)
        if position is not None:
            page = page.where(tuple_(col(E.created_at), col(E.id)) < tuple_(*position))
        rows = await self.loaders.fetch(page.order_by(col(E.created_at).desc(), col(E.id).desc()).limit(limit + 1))
        edges = [
            OutboundEmailEdge(cursor=encode_cursor(r), node=OutboundEmail.from_row(r, self.loaders))
            for r in rows[:limit]
        ]

        async def total() -> Count:  # the summary already counted this entity's emails: exact, no cap
            return Count(int((await self._summary())["total"]), True)

        return OutboundEmailConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=edges[-1].cursor if edges else None,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
            ),
            count=total,
        )

    @strawberry.field(
        description="The entity's emails counted by status and delivery status, and their recipients by state."
    )
    async def counts(self) -> EmailContextCounts:
        s = await self._summary()
        return EmailContextCounts(
            total=int(s["total"]),
            draft=int(s["status_DRAFT"]),
            pending=int(s["status_PENDING"]),
            sent=int(s["status_SENT"]),
            failed=int(s["status_FAILED"]),
            delivered=int(s["delivery_delivered"]),
            delayed=int(s["delivery_delayed"]),
            replied=int(s["delivery_replied"]),
            bounce_detected=int(s["delivery_bounce_detected"]),
            recipients=RecipientCounts(
                total=int(s["recipients"]),
                not_sent=int(s["not_sent"]),
                sent=int(s["state_SENT"]),
                delayed=int(s["state_DELAYED"]),
                bounced=int(s["state_BOUNCED"]),
                replied=int(s["state_REPLIED"]),
                auto_replied=int(s["state_AUTO_REPLIED"]),
            ),
        )

    @strawberry.field(
        description="When the first human reply to any of its emails was written (or, lacking a date, read)."
    )
    async def replied_at(self) -> datetime | None:
        return _aware((await self._summary())["replied_at"])

    @strawberry.field(description="The newest event across its emails.")
    async def last_activity_at(self) -> datetime | None:
        return _aware((await self._summary())["last_activity_at"])

    @strawberry.field(
        description=(
            "Addresses whose latest outcome (in the most recently sent email to them) is a bounce, with the reason, "
            "permanence and scope; newest bounce first."
        )
    )
    async def bouncing_recipients(self) -> list[Recipient]:
        ranked = (
            sa_select(
                R,
                func.row_number()
                .over(partition_by=R.address, order_by=(col(E.sent_at).desc(), col(R.detected_at).desc()))
                .label("latest"),
            )
            .join(E, and_(col(E.id) == col(R.email_id)))
            .where(*self._in_context(), col(R.delivery_state).is_not(None))
            .subquery()
        )
        rows = await self.loaders.fetch(
            sa_select(ranked)
            .where(ranked.c.latest == 1, ranked.c.delivery_state == DeliveryState.BOUNCED.value)
            .order_by(ranked.c.detected_at.desc(), ranked.c.address)
        )
        return [Recipient.from_row(_recipient(row._mapping), self.loaders) for row in rows]

    @strawberry.field(description="Audit events across its emails, newest first; `after` is an edge's cursor.")
    async def timeline(
        self,
        first: Annotated[int | None, strawberry.argument(description="Page size, 0 to `page_size_max` (100).")] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="An edge's cursor: the older events after it.")
        ] = None,
    ) -> TimelineConnection:
        try:
            limit = page_size(first, 50, self.page_max)
            if after is not None and (not after.isdigit() or len(after) > 19):
                raise DomainError(ErrorCode.INVALID_INPUT, "invalid cursor", "after")
        except DomainError as error:
            raise query_error(error) from None
        query = select(V).where(col(V.email_id).in_(self._email_ids()), V.organization_id == self.organization_id)
        if after is not None:
            query = query.where(col(V.seq) < int(after))
        rows = await self.loaders.fetch(query.order_by(col(V.seq).desc()).limit(limit + 1))
        edges = [TimelineEdge(cursor=str(r.seq), node=OutboundEmailEvent.from_row(r)) for r in rows[:limit]]
        return TimelineConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None),
        )


def _aware(value: Any) -> datetime | None:
    from datetime import UTC

    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _recipient(mapping: Any) -> records.OutboundRecipient:
    fields = {name: mapping[name] for name in records.OutboundRecipient.model_fields if name in mapping}
    return records.OutboundRecipient.model_validate(fields)


def email_context(
    organization_id: uuid.UUID,
    context_type: str,
    context_id: uuid.UUID | None,
    loaders: Loaders,
    page_max: int,
) -> EmailContext:
    """The story of (contextType, contextId) in `organization_id`; raises DomainError for a bad contextType."""
    validation.check_context(context_type)
    return EmailContext(
        context_type=context_type,
        context_id=context_id,
        organization_id=organization_id,
        loaders=loaders,
        page_max=page_max,
    )
