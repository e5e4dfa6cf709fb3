"""Synced mail and suppression: messages (to reply to), bounces (correlated or not), suppressed addresses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel import col, select

from api.errors import ErrorType, query_error, to_graphql
from api.inputs import page_size
from api.restrict import contexts_of, messages_within
from api.runner import run_use_case
from api.types import EmailMessage, Info
from domain import records, suppression, validation
from domain.errors import DomainError, ErrorCode


@strawberry.type(description="An address the organization does not send to (hard bounce or added by hand).")
class SuppressedAddress:
    email: str
    reason: str
    source_email_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: records.SuppressedAddress) -> SuppressedAddress:
        return cls(email=row.email, reason=row.reason, source_email_id=row.source_email_id, created_at=row.created_at)


@strawberry.type
class AddressSuppressed:
    suppressed_address: SuppressedAddress


@strawberry.type
class AddressUnsuppressed:
    email: str
    removed: bool


SuppressResult = Annotated[AddressSuppressed | ErrorType, strawberry.union("SuppressAddressResult")]
UnsuppressResult = Annotated[AddressUnsuppressed | ErrorType, strawberry.union("UnsuppressAddressResult")]


def _limit(first: int | None, cap: int, default: int = 50) -> int:
    try:
        return page_size(first, default, cap)
    except DomainError as error:
        raise query_error(error) from None


@strawberry.type
class MailboxQuery:
    @strawberry.field(description="One synced message of your organization, or null.")
    async def email_message(self, info: Info, id: strawberry.ID) -> EmailMessage | None:
        try:
            message_id = uuid.UUID(str(id))
        except ValueError:
            return None
        rows = await info.context.fetch(
            messages_within(
                select(records.EmailMessage).where(
                    records.EmailMessage.id == message_id,
                    records.EmailMessage.organization_id == info.context.organization_id,
                ),
                info.context.organization_id,
                contexts_of(info.context),
            )
        )
        return EmailMessage.from_row(rows[0]) if rows else None

    @strawberry.field(description="Synced messages, newest first; narrow by account or Gmail thread.")
    async def email_messages(
        self, info: Info, account_id: strawberry.ID | None = None, thread_id: str | None = None, first: int | None = 50
    ) -> list[EmailMessage]:
        M = records.EmailMessage
        query = select(M).where(M.organization_id == info.context.organization_id)
        query = messages_within(query, info.context.organization_id, contexts_of(info.context))
        if account_id is not None:
            try:
                query = query.where(M.account_id == uuid.UUID(str(account_id)))
            except ValueError:
                return []
        if thread_id is not None:
            query = query.where(M.thread_id == thread_id)
        query = query.order_by(col(M.created_at).desc()).limit(_limit(first, info.context.settings.page_size_max))
        return [EmailMessage.from_row(r) for r in await info.context.fetch(query)]

    @strawberry.field(
        description="Bounce messages (DSNs); uncorrelated: true lists those no email could be matched to."
    )
    async def bounces(self, info: Info, uncorrelated: bool = False, first: int | None = 50) -> list[EmailMessage]:
        M = records.EmailMessage
        query = select(M).where(M.organization_id == info.context.organization_id, col(M.is_bounce).is_(True))
        query = messages_within(query, info.context.organization_id, contexts_of(info.context))
        if uncorrelated:
            query = query.where(col(M.outbound_email_id).is_(None))
        query = query.order_by(col(M.created_at).desc()).limit(_limit(first, info.context.settings.page_size_max))
        return [EmailMessage.from_row(r) for r in await info.context.fetch(query)]

    @strawberry.field(description="Addresses suppressed after a hard bounce or by hand, newest first.")
    async def suppressed_addresses(self, info: Info, first: int | None = 100) -> list[SuppressedAddress]:
        S = records.SuppressedAddress
        query = (
            select(S)
            .where(S.organization_id == info.context.organization_id)
            .order_by(col(S.created_at).desc())
            .limit(_limit(first, 1000, default=100))
        )
        return [SuppressedAddress.from_row(r) for r in await info.context.fetch(query)]


@strawberry.type
class SuppressionMutations:
    @strawberry.mutation(description="Stop sending to an address (sendEmail refuses it unless allowSuppressed).")
    async def suppress_address(self, info: Info, email: str, reason: str = "added by hand") -> SuppressResult:
        ctx = info.context
        try:
            address = validation.normalize_address(email, "email")
            validation.check_header_value(reason, "reason")
            if len(reason) > 200:
                raise DomainError(ErrorCode.INVALID_INPUT, "reason is longer than 200 characters", "reason")
            row = await run_use_case(ctx, lambda s: suppression.suppress(s, ctx.organization_id, address, reason))
        except DomainError as error:
            return to_graphql(error)
        return AddressSuppressed(suppressed_address=SuppressedAddress.from_row(row))

    @strawberry.mutation(description="Allow sending to a suppressed address again.")
    async def unsuppress_address(self, info: Info, email: str) -> UnsuppressResult:
        ctx = info.context
        try:
            address = validation.normalize_address(email, "email")
            removed = await run_use_case(ctx, lambda s: suppression.unsuppress(s, ctx.organization_id, address))
        except DomainError as error:
            return to_graphql(error)
        return AddressUnsuppressed(email=address, removed=removed)
