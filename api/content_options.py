"""Content options of createDraft / sendEmail, and the two hooks the compose path calls.

`ContentOptionsInput` is mixed into DraftInput and SendEmailInput. Before the use case runs,
`render_draft` reads the context (the provider off the event loop), renders with one call into
domain/content/drafting.py, and returns the fields to store; inside the use case's transaction,
`drafting.stamp` records how the content was made.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

from api.context import Context
from api.restrict import ensure_link_allowed
from api.runner import run_use_case
from domain.content import drafting
from domain.content.context import ResolvedContext
from domain.content.resolve import ContextSource, load_source, resolve
from domain.content.templates import get_template
from domain.drafts import DraftFields
from domain.errors import DomainError, ErrorCode
from domain.records import EmailTemplate


def context_provider(services: Any) -> Any:
    """This process's context provider (workers.context_provider.HttpContextProvider), built on first use."""
    if "context_provider" not in services.extras:
        from workers.context_provider import context_provider as build

        services.extras["context_provider"] = build(services.settings)
    return services.extras["context_provider"]


def language_model(services: Any) -> Any:
    """This process's language model (workers.language_model.OpenAIChatModel), or None if not configured."""
    if "language_model" not in services.extras:
        from workers.language_model import language_model as build

        services.extras["language_model"] = build(services.settings)
    return services.extras["language_model"]


async def resolve_context(
    ctx: Context, context_type: str, context_id: uuid.UUID | None, *, sample: bool = False
) -> ResolvedContext:
    """An entity's data for this organization: one short read, then the provider off the event loop.

    A context-restricted token reads only its own contexts' data (sample data is nobody's)."""
    if not sample:
        ensure_link_allowed(ctx, context_type, context_id)
    source: ContextSource = await run_use_case(
        ctx, lambda s: load_source(s, ctx.organization_id, context_type, context_id)
    )
    provider = context_provider(ctx.services)
    if source.asks_provider and not sample:
        return await asyncio.to_thread(resolve, source, provider)
    return resolve(source, provider, sample=sample)


def parse_uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} is not a valid id", field) from None


def content_options(data: Any) -> drafting.ContentOptions:
    """The domain's options from an input that mixes in ContentOptionsInput."""
    return drafting.ContentOptions(
        template_id=parse_uuid(data.template_id, "templateId") if data.template_id is not None else None,
        render_from_context=data.render_from_context,
        locale=data.locale,
        send_condition=(
            [{"field": c.field, "op": c.op.value, "value": c.value} for c in data.send_condition]
            if data.send_condition
            else None
        ),
        fact_check=data.fact_check,
        prompt_hint=data.prompt_hint,
    )


async def render_draft(
    ctx: Context, data: Any, fields: DraftFields
) -> tuple[DraftFields, drafting.ContentStamp | None]:
    """The fields to store (rendered when asked) and the stamp to record with the email."""
    options = content_options(data)
    if not options.requested:
        return fields, None
    if options.locale is not None and not (options.template_id or options.render_from_context):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "locale applies to rendering: give templateId or renderFromContext", "locale"
        )
    if getattr(data, "draft_id", None) is not None:
        raise DomainError(ErrorCode.INVALID_INPUT, "draftId cannot be combined with content options", "draftId")
    inline = any(v is not None for v in (fields.subject, fields.body_text, fields.body_html))
    drafting.check_options(options, fields.context_type, fields.context_id, inline)
    context_id = fields.context_id
    assert context_id is not None  # check_options refuses a missing contextId

    def load(session: Any) -> tuple[EmailTemplate | None, ContextSource]:
        template = get_template(session, ctx.organization_id, options.template_id) if options.template_id else None
        context_type = fields.context_type or (template.context_type if template else "")
        if template is not None and template.context_type != context_type:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"the template is for context type {template.context_type}, not {context_type}",
                "templateId",
            )
        return template, load_source(session, ctx.organization_id, context_type, context_id)

    template, source = await run_use_case(ctx, load)
    context = None
    if options.renders:
        provider = context_provider(ctx.services)
        context = await asyncio.to_thread(resolve, source, provider) if source.asks_provider else resolve(source, None)
    rendered = drafting.render_for_draft(
        options,
        source.spec,
        context_id,
        source.formatting,
        fields.subject,
        fields.body_text,
        fields.body_html,
        template=template,
        context=context,
    )
    fields = replace(
        fields,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        context_type=source.spec.name,
    )
    return fields, rendered.stamp
