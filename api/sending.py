"""Mutations that send: sendEmail (a draft, a new email or a reply) and retryEmail."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.exc import IntegrityError

from api.content_inputs import ContentOptionsInput
from api.content_options import render_draft
from api.context import Context
from api.errors import (
    IdempotencyConflictError,
    InvalidStateError,
    NotFoundError,
    RecipientSuppressedError,
    ValidationError,
    member_of,
)
from api.input_plans import plan_inputs
from api.inputs import CONTEXT_ID, AttachmentInput, domain_attachments, parse_id
from api.restrict import ensure_email_within, ensure_send_allowed
from api.runner import run_use_case
from api.single_write import writes_once
from api.types import Info, OutboundEmail
from domain import records, sending
from domain.content.drafting import stamp
from domain.drafts import DraftFields
from domain.errors import DomainError


@strawberry.input(description="Exactly one of: draftId; the content of a new email (accountId...); replyToMessageId.")
class SendEmailInput(ContentOptionsInput):
    draft_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Send this DRAFT as it is; content fields or replyToMessageId with it are INVALID_INPUT.",
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="A new email's sending mail account (ACTIVE)."
    )
    to: list[str] = strawberry.field(
        default_factory=list, description="To: addresses (RFC 5322, at most `max_recipients` across to, cc and bcc)."
    )
    cc: list[str] = strawberry.field(default_factory=list, description="Cc: addresses.")
    bcc: list[str] = strawberry.field(default_factory=list, description="Bcc: addresses; never shown to the others.")
    subject: str | None = strawberry.field(
        default=None, description="The subject (one line: a line break is HEADER_INJECTION)."
    )
    body_text: str | None = strawberry.field(default=None, description="The plain-text body.")
    body_html: str | None = strawberry.field(
        default=None, description="The HTML body (sent as is, next to the text body)."
    )
    attachments: list[AttachmentInput] | None = strawberry.field(
        default=None, description="Files to attach (see AttachmentInput for the size limit)."
    )
    context_type: str | None = strawberry.field(
        default=None, description="The kind of your entity it is about (e.g. `invoice`); with contextId."
    )
    context_id: uuid.UUID | None = strawberry.field(default=None, description=CONTEXT_ID)
    planned_send_at: datetime | None = strawberry.field(
        default=None, description="Send later: the email is kept as a scheduled DRAFT until then (replies too)."
    )
    send_before: datetime | None = strawberry.field(
        default=None,
        description=(
            "Not after this: an email that cannot go out before it (quota, retries, an account needing "
            're-authorisation) becomes FAILED with "expired before it could be sent" instead of going out late.'
        ),
    )
    reply_to_message_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "An EmailMessage id: reply in its Gmail thread from the account that owns it. Without contextType and "
            "contextId, the reply takes those of the email the conversation belongs to."
        ),
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key returns the same email and never sends twice."
    )
    allow_suppressed: bool = strawberry.field(
        default=False, description="Send even to addresses suppressed after a hard bounce."
    )


plan_inputs(SendEmailInput)


@strawberry.type(description="The email is PENDING (or a scheduled DRAFT with plannedSendAt); a worker sends it.")
class EmailQueued:
    outbound_email: OutboundEmail = strawberry.field(description="The email as queued.")


SendEmailResult = Annotated[
    EmailQueued
    | ValidationError
    | NotFoundError
    | InvalidStateError
    | IdempotencyConflictError
    | RecipientSuppressedError,
    strawberry.union("SendEmailResult", description="The queued email, or why nothing was queued."),
]
RetryEmailResult = Annotated[
    EmailQueued | ValidationError | NotFoundError | InvalidStateError | RecipientSuppressedError,
    strawberry.union("RetryEmailResult", description="The email queued again, or why it was not."),
]


def send_request(data: SendEmailInput) -> sending.SendRequest:
    fields = DraftFields(
        account_id=parse_id(data.account_id, "accountId") if data.account_id is not None else None,
        to=tuple(data.to),
        cc=tuple(data.cc),
        bcc=tuple(data.bcc),
        subject=data.subject,
        body_text=data.body_text,
        body_html=data.body_html,
        attachments=domain_attachments(data.attachments),
        context_type=data.context_type,
        context_id=data.context_id,
        planned_send_at=data.planned_send_at,
    )
    return sending.SendRequest(
        draft_id=parse_id(data.draft_id, "draftId") if data.draft_id is not None else None,
        fields=fields,
        reply_to_message_id=(
            parse_id(data.reply_to_message_id, "replyToMessageId") if data.reply_to_message_id is not None else None
        ),
        idempotency_key=data.idempotency_key,
        allow_suppressed=data.allow_suppressed,
        send_before=data.send_before,
    )


def enqueue_after_commit(ctx: Context, email: records.OutboundEmail) -> None:
    enqueue = ctx.services.extras["enqueue_send"]
    ctx.after_commit.append(lambda: enqueue(email.id))


@strawberry.type
class SendingMutations:
    @strawberry.mutation(description="Send now (or at plannedSendAt): recorded PENDING before it reaches Gmail.")
    async def send_email(
        self,
        info: Info,
        input: Annotated[
            SendEmailInput, strawberry.argument(description="What to send: a draft, a new email, or a reply.")
        ],
    ) -> SendEmailResult:
        ctx = info.context
        try:
            request = send_request(input)
            fields, content = await render_draft(ctx, input, request.fields)
            if fields is not request.fields:  # rendered from a template or context
                request = replace(request, fields=fields)
            await ensure_send_allowed(ctx, request)

            def use_case(session):  # type: ignore[no-untyped-def]
                email, enqueue = sending.request_send(session, ctx.organization_id, request, ctx.actor, ctx.limits)
                stamp(session, email, content)
                if enqueue:
                    enqueue_after_commit(ctx, email)
                return email

            try:
                row = await run_use_case(ctx, use_case, autocommit=writes_once(request, content))
            except IntegrityError:
                # Two requests with one idempotency key raced; the winner's row is the answer.
                ctx.after_commit.clear()
                row = await run_use_case(ctx, use_case)
        except DomainError as error:
            ctx.after_commit.clear()
            return member_of(error, SendEmailResult)  # type: ignore[no-any-return]
        return EmailQueued(outbound_email=OutboundEmail.from_written(row))

    @strawberry.mutation(
        description=(
            "Send a FAILED email again. Suppressed recipients are refused unless allowSuppressed "
            "(when omitted: as the original send said)."
        )
    )
    async def retry_email(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The FAILED email's id.")],
        allow_suppressed: Annotated[
            bool | None,
            strawberry.argument(description="Send even to suppressed addresses; null: as the original send said."),
        ] = None,
        send_before: Annotated[
            datetime | None, strawberry.argument(description="Not after this (see SendEmailInput.sendBefore).")
        ] = None,
    ) -> RetryEmailResult:
        ctx = info.context
        try:
            email_id = parse_id(id, "id")
            await ensure_email_within(ctx, email_id)

            def use_case(session):  # type: ignore[no-untyped-def]
                email = sending.retry_email(
                    session,
                    ctx.organization_id,
                    email_id,
                    ctx.actor,
                    allow_suppressed=allow_suppressed,
                    send_before=send_before,
                )
                enqueue_after_commit(ctx, email)
                return email

            row = await run_use_case(ctx, use_case)
        except DomainError as error:
            ctx.after_commit.clear()
            return member_of(error, RetryEmailResult)  # type: ignore[no-any-return]
        return EmailQueued(outbound_email=OutboundEmail.from_written(row))
