"""Context restrictions: a client token limited to some contexts sees and touches only their emails.

The organization scoping stays where it is (api/queries.py, api/mailbox.py, api/subscriptions.py);
these helpers add the one extra condition for a restricted token and do nothing for any other, so
an unrestricted request runs exactly the SQL it ran before. Anything outside a token's contexts
is simply not found, as another organization's records are.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import col, select

from domain import records
from domain.errors import DomainError, ErrorCode, NotFound
from domain.grants import ContextRef, allows_context
from domain.sending import SendRequest

Q = TypeVar("Q")
Contexts = tuple[ContextRef, ...] | None


def contexts_of(context: Any) -> Contexts:
    """The request's context restriction (None: the whole organization)."""
    principal = getattr(context, "principal", None)
    return principal.contexts if principal is not None else None


def _in_contexts(contexts: tuple[ContextRef, ...]) -> Any:
    kind, ident = col(records.OutboundEmail.context_type), col(records.OutboundEmail.context_id)
    return or_(*(and_(kind == ref.context_type, ident == ref.context_id) for ref in contexts))


def emails_within(query: Q, contexts: Contexts) -> Q:
    """Narrow a select over OutboundEmail to the token's contexts."""
    if contexts is None:
        return query
    return query.where(_in_contexts(contexts))  # type: ignore[attr-defined, no-any-return]


def messages_within(query: Q, organization_id: uuid.UUID, contexts: Contexts) -> Q:
    """Narrow a select over EmailMessage to messages linked to an email within the token's contexts."""
    if contexts is None:
        return query
    E, M = records.OutboundEmail, records.EmailMessage
    linked = select(E.id).where(E.organization_id == organization_id, _in_contexts(contexts))
    return query.where(col(M.outbound_email_id).in_(linked))  # type: ignore[attr-defined, no-any-return]


async def ensure_email_within(context: Any, email_id: uuid.UUID, field: str = "id") -> None:
    """NotFound unless the email lies within the token's contexts (no query for other tokens)."""
    contexts = contexts_of(context)
    if contexts is None:
        return
    E = records.OutboundEmail
    query = select(E.id).where(E.id == email_id, E.organization_id == context.organization_id)
    if not await context.fetch(emails_within(query, contexts)):
        raise NotFound("email", field)


async def ensure_message_within(context: Any, message_id: uuid.UUID, field: str) -> None:
    """NotFound unless the synced message is linked to an email within the token's contexts."""
    contexts = contexts_of(context)
    if contexts is None:
        return
    M = records.EmailMessage
    query = select(M.id).where(M.id == message_id, M.organization_id == context.organization_id)
    if not await context.fetch(messages_within(query, context.organization_id, contexts)):
        raise NotFound("message", field)


def ensure_link_allowed(context: Any, context_type: object, context_id: object, given: bool = True) -> None:
    """A restricted token may only create or relink emails to one of its contexts.

    `given` is False for a partial edit that leaves the link alone.
    """
    contexts = contexts_of(context)
    if contexts is None or not given:
        return
    if not isinstance(context_type, str) or not allows_context(contexts, context_type, context_id):
        allowed = ", ".join(f"{ref.context_type}/{ref.context_id}" for ref in contexts)
        raise DomainError(
            ErrorCode.CONTEXT_FORBIDDEN,
            f"this token may only link emails to its contexts ({allowed}): give contextType and contextId",
            "contextId",
        )


async def ensure_send_allowed(context: Any, request: SendRequest) -> None:
    """sendEmail for a restricted token: a draft within its contexts, or a new email (or reply) linked to one."""
    if contexts_of(context) is None:
        return
    if request.draft_id is not None:
        await ensure_email_within(context, request.draft_id, "draftId")
        return
    if request.reply_to_message_id is not None:
        await ensure_message_within(context, request.reply_to_message_id, "replyToMessageId")
    ensure_link_allowed(context, request.fields.context_type, request.fields.context_id)
