"""Mutations that compose emails: create, edit, schedule, unschedule, delete drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.content_options import render_draft
from api.errors import InvalidStateError, NotFoundError, RecipientSuppressedError, ValidationError, member_of
from api.inputs import DraftInput, DraftPatch, draft_fields, parse_id, patch_changes
from api.restrict import ensure_email_within, ensure_link_allowed
from api.runner import run_use_case
from api.types import Info, OutboundEmail
from domain import drafts
from domain.content.drafting import stamp
from domain.errors import DomainError


@strawberry.type(description="The draft as saved.")
class DraftSaved:
    outbound_email: OutboundEmail = strawberry.field(description="The draft (status DRAFT).")


@strawberry.type(description="The draft is gone; its audit trail stays.")
class DraftDeleted:
    id: strawberry.ID = strawberry.field(description="The deleted draft's id.")


# unscheduleDraft shares DraftResult (a contract name) though it never returns RecipientSuppressedError.
DraftResult = Annotated[
    DraftSaved | ValidationError | NotFoundError | InvalidStateError | RecipientSuppressedError,
    strawberry.union("DraftResult", description="The saved draft, or why nothing was saved."),
]
DeleteDraftResult = Annotated[
    DraftDeleted | ValidationError | NotFoundError | InvalidStateError,
    strawberry.union("DeleteDraftResult", description="The deleted draft's id, or why nothing was deleted."),
]


@strawberry.type
class DraftMutations:
    @strawberry.mutation(description="Save a new DRAFT; nothing is sent.")
    async def create_draft(
        self, info: Info, input: Annotated[DraftInput, strawberry.argument(description="The new email's content.")]
    ) -> DraftResult:
        ctx = info.context
        try:
            fields, content = await render_draft(ctx, input, draft_fields(input))
            ensure_link_allowed(ctx, fields.context_type, fields.context_id)
            row = await run_use_case(
                ctx,
                lambda s: stamp(s, drafts.create_draft(s, ctx.organization_id, fields, ctx.actor, ctx.limits), content),
            )
        except DomainError as error:
            return member_of(error, DraftResult)  # type: ignore[no-any-return]
        return DraftSaved(outbound_email=OutboundEmail.from_row(row))

    @strawberry.mutation(description="Edit a DRAFT: only the given fields change.")
    async def update_draft(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The DRAFT's id.")],
        input: Annotated[DraftPatch, strawberry.argument(description="The fields to change.")],
    ) -> DraftResult:
        ctx = info.context
        try:
            email_id, changes = parse_id(id, "id"), patch_changes(input)
            await ensure_email_within(ctx, email_id)
            relinks = "context_type" in changes or "context_id" in changes
            ensure_link_allowed(ctx, changes.get("context_type"), changes.get("context_id"), given=relinks)
            row = await run_use_case(
                ctx,
                lambda s: drafts.update_draft(s, ctx.organization_id, email_id, changes, ctx.actor, ctx.limits),
            )
        except DomainError as error:
            return member_of(error, DraftResult)  # type: ignore[no-any-return]
        return DraftSaved(outbound_email=OutboundEmail.from_row(row))

    @strawberry.mutation(description="Delete a DRAFT for good; its audit trail stays.")
    async def delete_draft(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The DRAFT's id.")]
    ) -> DeleteDraftResult:
        ctx = info.context
        try:
            email_id = parse_id(id, "id")
            await ensure_email_within(ctx, email_id)
            await run_use_case(ctx, lambda s: drafts.delete_draft(s, ctx.organization_id, email_id, ctx.actor))
        except DomainError as error:
            return member_of(error, DeleteDraftResult)  # type: ignore[no-any-return]
        return DraftDeleted(id=id)

    @strawberry.mutation(
        description=(
            "Plan a DRAFT's send; it goes out within seconds of that time. Recipients suppressed after a "
            "hard bounce are refused (RECIPIENT_SUPPRESSED) unless allowSuppressed; the worker checks again "
            "just before sending. With sendBefore, an email that cannot go out before it is FAILED instead."
        )
    )
    async def schedule_draft(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The DRAFT's id.")],
        planned_send_at: Annotated[
            datetime, strawberry.argument(description="When to send: a future time with a UTC offset.")
        ],
        allow_suppressed: Annotated[
            bool, strawberry.argument(description="Send even to addresses on the suppression list.")
        ] = False,
        send_before: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "Not after this: if the email cannot go out before it (quota, retries, an account needing "
                    're-authorisation), it becomes FAILED with "expired before it could be sent".'
                )
            ),
        ] = None,
    ) -> DraftResult:
        ctx = info.context
        try:
            email_id = parse_id(id, "id")
            await ensure_email_within(ctx, email_id)
            row = await run_use_case(
                ctx,
                lambda s: drafts.schedule_draft(
                    s,
                    ctx.organization_id,
                    email_id,
                    planned_send_at,
                    ctx.actor,
                    allow_suppressed=allow_suppressed,
                    send_before=send_before,
                ),
            )
        except DomainError as error:
            return member_of(error, DraftResult)  # type: ignore[no-any-return]
        return DraftSaved(outbound_email=OutboundEmail.from_row(row))

    @strawberry.mutation(description="Cancel a DRAFT's planned send.")
    async def unschedule_draft(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The scheduled DRAFT's id.")]
    ) -> DraftResult:
        ctx = info.context
        try:
            email_id = parse_id(id, "id")
            await ensure_email_within(ctx, email_id)
            row = await run_use_case(
                ctx, lambda s: drafts.unschedule_draft(s, ctx.organization_id, email_id, ctx.actor)
            )
        except DomainError as error:
            return member_of(error, DraftResult)  # type: ignore[no-any-return]
        return DraftSaved(outbound_email=OutboundEmail.from_row(row))
