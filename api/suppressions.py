"""Suppression: the addresses not sent to, paged and filtered, with their evidence and audit trail."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import func, tuple_
from sqlmodel import col, select

from api.errors import ValidationError, member_of, query_error
from api.inputs import page_size
from api.runner import run_use_case
from api.types import Info, PageInfo
from domain import records, suppression, validation
from domain.errors import DomainError, ErrorCode
from domain.records import utcnow


@strawberry.enum(description="Why an address is suppressed.")
class SuppressionSource(Enum):
    HARD_BOUNCE = strawberry.enum_value(
        "HARD_BOUNCE", description="A permanent bounce that was the address's fault (permanence HARD, scope ADDRESS)."
    )
    SOFT_BOUNCES = strawberry.enum_value(
        "SOFT_BOUNCES", description="Soft bounces repeated within a window: suppressed until expiresAt."
    )
    MANUAL = strawberry.enum_value("MANUAL", description="Added by hand (suppressAddress).")


@strawberry.enum(description="What happened to an address on the suppression list.")
class SuppressionAction(Enum):
    ADDED = strawberry.enum_value("ADDED", description="The address was put on the list (or its entry renewed).")
    REMOVED = strawberry.enum_value("REMOVED", description="The address was taken off the list.")


@strawberry.type(description="An address the organization does not send to (a bounce, or added by hand).")
class SuppressedAddress:
    email: str = strawberry.field(description="The address, lower case.")
    reason: str = strawberry.field(
        description="Why, for a person (the bounce's reason, or the one given to suppressAddress)."
    )
    source: SuppressionSource = strawberry.field(description="What put it on the list.")
    source_email_id: uuid.UUID | None = strawberry.field(description="The email whose bounce suppressed it.")
    bounce_message_id: strawberry.ID | None = strawberry.field(description="The bounce (EmailMessage) as evidence.")
    added_by: str = strawberry.field(description="Who added it: a token's actor, or the sync worker.")
    expires_at: datetime | None = strawberry.field(description="When it stops counting (null: never).")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")
    active: bool = strawberry.field(description="False once expiresAt has passed.")

    @classmethod
    def from_row(cls, row: records.SuppressedAddress) -> SuppressedAddress:
        return cls(
            email=row.email,
            reason=row.reason,
            source=SuppressionSource(row.source.value),
            source_email_id=row.source_email_id,
            bounce_message_id=strawberry.ID(str(row.bounce_message_id)) if row.bounce_message_id else None,
            added_by=row.added_by,
            expires_at=row.expires_at,
            created_at=row.created_at,
            active=row.expires_at is None or row.expires_at > utcnow(),
        )


@strawberry.type(description="Who added or removed an address, when, why and on what evidence.")
class SuppressionEvent:
    email: str = strawberry.field(description="The address, lower case.")
    action: SuppressionAction = strawberry.field(description="Added or removed.")
    source: SuppressionSource | None = strawberry.field(description="What added it (null for a removal).")
    reason: str | None = strawberry.field(description="Why, for a person.")
    actor: str = strawberry.field(
        description="Who: `api:token:<id>`, `api:client:<id>`, or a Mailtrail process (sync)."
    )
    at: datetime = strawberry.field(description="When (UTC).")
    source_email_id: uuid.UUID | None = strawberry.field(description="The email whose bounce added it.")
    bounce_message_id: strawberry.ID | None = strawberry.field(description="The bounce (EmailMessage) as evidence.")
    expires_at: datetime | None = strawberry.field(description="When the entry stops counting (null: never).")
    cursor: str = strawberry.field(description="Pass as `after` to get the older events.")


@strawberry.input(description="Narrow the suppression list.")
class SuppressionFilter:
    email: str | None = strawberry.field(default=None, description="One address (case-insensitive).")
    source: list[SuppressionSource] | None = strawberry.field(
        default=None, description="Only addresses put on the list by one of these."
    )
    active: bool | None = strawberry.field(default=None, description="true: still counting; false: expired.")


@strawberry.type(description="One suppressed address in a page.")
class SuppressedAddressEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the addresses after this one.")
    node: SuppressedAddress = strawberry.field(description="The suppressed address.")


@strawberry.type(description="A page of the suppression list, newest first (the Relay connection spec).")
class SuppressedAddressConnection:
    edges: list[SuppressedAddressEdge] = strawberry.field(
        description="The addresses of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(description="Where this page sits and how to get the next.")
    total_count: int = strawberry.field(description="How many addresses match the filter (all pages).")


@strawberry.type(description="The address is suppressed: sendEmail and scheduleDraft refuse it unless allowSuppressed.")
class AddressSuppressed:
    suppressed_address: SuppressedAddress = strawberry.field(description="Its entry on the list.")


@strawberry.type(description="The address may be sent to again.")
class AddressUnsuppressed:
    email: str = strawberry.field(description="The address, lower case.")
    removed: bool = strawberry.field(description="False when it was not on the list (nothing changed).")


SuppressResult = Annotated[
    AddressSuppressed | ValidationError,
    strawberry.union("SuppressAddressResult", description="The suppressed address, or why the address was refused."),
]
UnsuppressResult = Annotated[
    AddressUnsuppressed | ValidationError,
    strawberry.union("UnsuppressAddressResult", description="Whether it was removed, or why it was refused."),
]


def _cursor(row: records.SuppressedAddress) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def _after(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(ErrorCode.INVALID_INPUT, "invalid cursor", "after") from None


@strawberry.type
class SuppressionQuery:
    @strawberry.field(
        description="Addresses suppressed after a bounce or by hand, newest first (active and expired alike).",
        deprecation_reason="Use `suppressions`: paged, filtered, with evidence and expiry.",
    )
    async def suppressed_addresses(
        self, info: Info, first: Annotated[int | None, strawberry.argument(description="How many, 0 to 1,000.")] = 100
    ) -> list[SuppressedAddress]:
        S = records.SuppressedAddress
        try:
            limit = page_size(first, 100, 1000)
        except DomainError as error:
            raise query_error(error) from None
        query = (
            select(S)
            .where(S.organization_id == info.context.organization_id)
            .order_by(col(S.created_at).desc())
            .limit(limit)
        )
        return [SuppressedAddress.from_row(r) for r in await info.context.fetch(query)]

    @strawberry.field(description="The suppression list, newest first, filtered; Relay-style paging.")
    async def suppressions(
        self,
        info: Info,
        filter: Annotated[
            SuppressionFilter | None, strawberry.argument(description="Which addresses; null: all.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size, 0 to `page_size_max` (100).")] = 50,
        after: Annotated[str | None, strawberry.argument(description="An edge's cursor: the page after it.")] = None,
    ) -> SuppressedAddressConnection:
        S = records.SuppressedAddress
        context = info.context
        query = select(S).where(S.organization_id == context.organization_id)
        try:
            limit = page_size(first, 50, context.settings.page_size_max)
            if filter is not None and filter.email is not None:
                query = query.where(S.email == validation.normalize_address(filter.email, "filter.email"))
            position = _after(after) if after else None
        except DomainError as error:
            raise query_error(error) from None
        if filter is not None and filter.source:
            query = query.where(col(S.source).in_([s.value for s in filter.source]))
        if filter is not None and filter.active is not None:
            now = utcnow()
            query = query.where(suppression.active(now) if filter.active else col(S.expires_at) <= now)
        (total,) = await context.fetch(select(func.count()).select_from(query.subquery()))
        if position is not None:
            query = query.where(tuple_(col(S.created_at), col(S.id)) < tuple_(*position))
        rows = await context.fetch(query.order_by(col(S.created_at).desc(), col(S.id).desc()).limit(limit + 1))
        edges = [SuppressedAddressEdge(cursor=_cursor(r), node=SuppressedAddress.from_row(r)) for r in rows[:limit]]
        return SuppressedAddressConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None),
            total_count=int(total),
        )

    @strawberry.field(
        description="The suppression list's audit trail, newest first: who added or removed what, and why."
    )
    async def suppression_events(
        self,
        info: Info,
        email: Annotated[str | None, strawberry.argument(description="Only this address (case-insensitive).")] = None,
        first: Annotated[int | None, strawberry.argument(description="How many, 0 to `page_size_max` (100).")] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="An event's cursor: the older events after it.")
        ] = None,
    ) -> list[SuppressionEvent]:
        E = records.SuppressionEvent
        context = info.context
        query = select(E).where(E.organization_id == context.organization_id)
        try:
            limit = page_size(first, 50, context.settings.page_size_max)
            if email is not None:
                query = query.where(E.email == validation.normalize_address(email, "email"))
            if after is not None:
                if not after.isdigit() or len(after) > 19:
                    raise DomainError(ErrorCode.INVALID_INPUT, "invalid cursor", "after")
                query = query.where(col(E.seq) < int(after))
        except DomainError as error:
            raise query_error(error) from None
        rows = await context.fetch(query.order_by(col(E.seq).desc()).limit(limit))
        return [
            SuppressionEvent(
                email=r.email,
                action=SuppressionAction(r.action.value),
                source=SuppressionSource(r.source.value) if r.source else None,
                reason=r.reason,
                actor=r.actor,
                at=r.at,
                source_email_id=r.source_email_id,
                bounce_message_id=strawberry.ID(str(r.bounce_message_id)) if r.bounce_message_id else None,
                expires_at=r.expires_at,
                cursor=str(r.seq),
            )
            for r in rows
        ]


@strawberry.type
class SuppressionMutations:
    @strawberry.mutation(description="Stop sending to an address (sendEmail refuses it unless allowSuppressed).")
    async def suppress_address(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The address to suppress.")],
        reason: Annotated[
            str, strawberry.argument(description="Why, for the audit trail (one line, at most 200 characters).")
        ] = "added by hand",
    ) -> SuppressResult:
        ctx = info.context
        try:
            address = validation.normalize_address(email, "email")
            validation.check_header_value(reason, "reason")
            if len(reason) > 200:
                raise DomainError(ErrorCode.INVALID_INPUT, "reason is longer than 200 characters", "reason")
            row = await run_use_case(
                ctx, lambda s: suppression.suppress(s, ctx.organization_id, address, reason, actor=ctx.actor)
            )
        except DomainError as error:
            return member_of(error, SuppressResult)  # type: ignore[no-any-return]
        return AddressSuppressed(suppressed_address=SuppressedAddress.from_row(row))

    @strawberry.mutation(description="Allow sending to a suppressed address again (audited).")
    async def unsuppress_address(
        self, info: Info, email: Annotated[str, strawberry.argument(description="The suppressed address.")]
    ) -> UnsuppressResult:
        ctx = info.context
        try:
            address = validation.normalize_address(email, "email")
            removed = await run_use_case(
                ctx, lambda s: suppression.unsuppress(s, ctx.organization_id, address, ctx.actor, "removed by hand")
            )
        except DomainError as error:
            return member_of(error, UnsuppressResult)  # type: ignore[no-any-return]
        return AddressUnsuppressed(email=address, removed=removed)
