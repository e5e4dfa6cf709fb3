"""Read side: one email, pages of emails, the organization's accounts."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import tuple_
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.boundary import iso_datetime
from api.counting import capped_count
from api.errors import query_error
from api.inputs import OutboundEmailFilter, aware, page_size, parse_id
from api.loaders import table_rows
from api.page_columns import page_columns
from api.restrict import Contexts, contexts_of, emails_within
from api.types import (
    Info,
    MailAccount,
    OutboundEmail,
    OutboundEmailConnection,
    OutboundEmailEdge,
    PageInfo,
)
from domain import records
from domain.errors import DomainError, ErrorCode
from domain.grants import allows_context


def encode_cursor(row: records.OutboundEmail) -> str:
    return base64.urlsafe_b64encode(f"{iso_datetime(row.created_at)}|{row.id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(ErrorCode.INVALID_INPUT, "invalid cursor", "after") from None


def apply_filter(
    query: SelectOfScalar[records.OutboundEmail],
    organization_id: uuid.UUID,
    where: OutboundEmailFilter | None,
    contexts: Contexts = None,
) -> SelectOfScalar[records.OutboundEmail]:
    """Scope to the organization (and a restricted token's contexts) first, then narrow by the caller's filter."""
    E = records.OutboundEmail
    query = emails_within(query.where(E.organization_id == organization_id), contexts)
    if where is None:
        return query
    if where.context_type is not None:
        query = query.where(E.context_type == where.context_type)
    if where.context_id is not None:
        query = query.where(E.context_id == where.context_id)
    if where.status:
        query = query.where(col(E.status).in_([s.value for s in where.status]))
    if where.delivery_status:
        query = query.where(col(E.delivery_status).in_([s.value for s in where.delivery_status]))
    if where.account_id is not None:
        query = query.where(E.account_id == parse_id(where.account_id, "filter.accountId"))
    if aware(where.created_after, "filter.createdAfter") is not None:
        query = query.where(col(E.created_at) >= where.created_after)
    if aware(where.created_before, "filter.createdBefore") is not None:
        query = query.where(col(E.created_at) < where.created_before)
    return query


def filter_predicate(
    organization_id: uuid.UUID, where: OutboundEmailFilter | None, contexts: Contexts = None
) -> Callable[[records.OutboundEmail], bool]:
    """`apply_filter` as an in-memory test, prepared once (a subscription applies it to every update).

    Raises DomainError for an invalid `accountId`, like `apply_filter`.
    """
    if contexts is not None:
        unrestricted = filter_predicate(organization_id, where)
        return lambda row: unrestricted(row) and allows_context(contexts, row.context_type, row.context_id)
    if where is None:
        return lambda row: row.organization_id == organization_id
    account_id = parse_id(where.account_id, "filter.accountId") if where.account_id is not None else None
    aware(where.created_after, "filter.createdAfter")
    aware(where.created_before, "filter.createdBefore")
    statuses = {str(s.value) for s in where.status} if where.status else None
    deliveries = {str(s.value) for s in where.delivery_status} if where.delivery_status else None

    def test(row: records.OutboundEmail) -> bool:
        return (
            row.organization_id == organization_id
            and (where.context_type is None or row.context_type == where.context_type)
            and (where.context_id is None or row.context_id == where.context_id)
            and (statuses is None or str(row.status) in statuses)
            and (deliveries is None or (row.delivery_status is not None and str(row.delivery_status) in deliveries))
            and (account_id is None or row.account_id == account_id)
            and (where.created_after is None or row.created_at >= where.created_after)
            and (where.created_before is None or row.created_at < where.created_before)
        )

    return test


@strawberry.type
class Query:
    @strawberry.field(description="One email of your organization, or null.")
    async def outbound_email(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The email's id (OutboundEmail.id).")],
    ) -> OutboundEmail | None:
        try:
            email_id = uuid.UUID(str(id))
        except ValueError:
            return None
        rows = await info.context.fetch(
            emails_within(
                select(records.OutboundEmail).where(
                    records.OutboundEmail.id == email_id,
                    records.OutboundEmail.organization_id == info.context.organization_id,
                ),
                contexts_of(info.context),
            )
        )
        return OutboundEmail.from_row(rows[0]) if rows else None

    @strawberry.field(description="Your emails, newest first, filtered; Relay-style paging.")
    async def outbound_emails(
        self,
        info: Info,
        filter: Annotated[
            OutboundEmailFilter | None, strawberry.argument(description="Which emails; null: all.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size, 0 to `page_size_max` (100).")] = 20,
        after: Annotated[str | None, strawberry.argument(description="An edge's cursor: the page after it.")] = None,
    ) -> OutboundEmailConnection:
        context = info.context
        E = records.OutboundEmail
        try:
            limit = page_size(first, 20, context.settings.page_size_max)
            base = apply_filter(select(E), context.organization_id, filter, contexts_of(context))
        except DomainError as error:
            raise query_error(error) from None
        scoped = base.whereclause
        assert scoped is not None  # apply_filter always scopes to the organization
        raw = info._raw_info
        columns = page_columns(raw.field_nodes, raw.fragments)
        page = table_rows(E, columns).where(scoped)  # rows, not ORM instances: api.loaders.table_rows
        if after:
            try:
                created, ident = decode_cursor(after)
            except DomainError as error:
                raise query_error(error) from None
            page = page.where(tuple_(col(E.created_at), col(E.id)) < tuple_(created, ident))
        page = page.order_by(col(E.created_at).desc(), col(E.id).desc()).limit(limit + 1)
        rows = await context.loaders.fetch_rows(E, page, columns)
        has_next = len(rows) > limit
        rows = rows[:limit]
        edges = [OutboundEmailEdge(cursor=encode_cursor(r), node=OutboundEmail.from_row(r)) for r in rows]
        return OutboundEmailConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                end_cursor=edges[-1].cursor if edges else None,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
            ),
            count=capped_count(context.loaders.fetch_scalars, base, context.settings.total_count_cap),
        )

    @strawberry.field(description="The Gmail accounts your organization connected.")
    async def mail_accounts(self, info: Info) -> list[MailAccount]:
        rows = await info.context.fetch(
            select(records.MailAccount)
            .where(records.MailAccount.organization_id == info.context.organization_id)
            .order_by(col(records.MailAccount.created_at))
        )
        return [MailAccount.from_row(r) for r in rows]
