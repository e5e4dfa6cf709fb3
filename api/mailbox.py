"""Synced mail: messages (to reply to) and bounces (correlated or not)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from sqlmodel import col, select

from api.errors import query_error
from api.inputs import page_size
from api.restrict import contexts_of, messages_within
from api.types import EmailMessage, Info
from domain import records
from domain.errors import DomainError


def _limit(first: int | None, cap: int, default: int = 50) -> int:
    try:
        return page_size(first, default, cap)
    except DomainError as error:
        raise query_error(error) from None


@strawberry.type
class MailboxQuery:
    @strawberry.field(description="One synced message of your organization, or null.")
    async def email_message(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The message's id (EmailMessage.id).")],
    ) -> EmailMessage | None:
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
        self,
        info: Info,
        account_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this mail account's messages.")
        ] = None,
        thread_id: Annotated[str | None, strawberry.argument(description="Only this Gmail thread.")] = None,
        first: Annotated[int | None, strawberry.argument(description="How many, 0 to `page_size_max` (100).")] = 50,
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
    async def bounces(
        self,
        info: Info,
        uncorrelated: Annotated[
            bool, strawberry.argument(description="true: only bounces no email could be matched to.")
        ] = False,
        first: Annotated[int | None, strawberry.argument(description="How many, 0 to `page_size_max` (100).")] = 50,
    ) -> list[EmailMessage]:
        M = records.EmailMessage
        query = select(M).where(M.organization_id == info.context.organization_id, col(M.is_bounce).is_(True))
        query = messages_within(query, info.context.organization_id, contexts_of(info.context))
        if uncorrelated:
            query = query.where(col(M.outbound_email_id).is_(None))
        query = query.order_by(col(M.created_at).desc()).limit(_limit(first, info.context.settings.page_size_max))
        return [EmailMessage.from_row(r) for r in await info.context.fetch(query)]
