"""The content API's queries: context types and entities, dynamic fields, preview, prepare, templates.

Thin, like the rest of api/: parse, call one domain operation, shape the answer. Preview and
prepare are queries (they save nothing); their token and fact problems come back in `errors`,
while a missing type or entity, or a failing provider, is a GraphQL error carrying its code.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Annotated, cast

import strawberry

from api.content_inputs import (
    ContextFieldType,
    PrepareEmailInput,
    PreviewEmailInput,
    PreviewMode,
)
from api.content_options import language_model, parse_uuid, resolve_context
from api.content_types import (
    ContentSettings,
    ContextEntity,
    ContextType,
    DynamicField,
    EmailPreview,
    EmailTemplate,
    PreparedEmail,
    TokenError,
)
from api.errors import query_error
from api.restrict import ensure_link_allowed
from api.runner import run_use_case
from api.types import Info
from domain.content import store, templates
from domain.content.formatting import check_locale
from domain.content.prepare import PrepareMode, PrepareRequest, prepare, render
from domain.content.signing import provider_secret
from domain.content.thread import correspondence
from domain.errors import DomainError

ContextTypeName = Annotated[str, strawberry.argument(description="A context type's name (invoice).")]
ContextId = Annotated[uuid.UUID, strawberry.argument(description="The entity's id in the app.")]
TemplateId = Annotated[strawberry.ID, strawberry.argument(description="A template's id.")]


def secret_for(info: Info, name: str) -> str:
    key = info.context.settings.context_provider_signing_key.get_secret_value()
    return provider_secret(key, info.context.organization_id, name)


def _locale(value: str | None) -> str | None:
    return check_locale(value) if value is not None else None


@strawberry.type
class ContentQuery:
    @strawberry.field(description="Your organization's context types, by name.")
    async def context_types(self, info: Info) -> list[ContextType]:
        org = info.context.organization_id
        rows = await run_use_case(info.context, lambda s: store.list_context_types(s, org))
        return [ContextType.from_row(r, secret_for(info, r.name)) for r in rows]

    @strawberry.field(description="The latest pushed snapshot of one entity, or null.")
    async def context_entity(
        self, info: Info, context_type: ContextTypeName, context_id: ContextId
    ) -> ContextEntity | None:
        org = info.context.organization_id
        ensure_link_allowed(info.context, context_type, context_id)
        row = await run_use_case(info.context, lambda s: store.get_entity(s, org, context_type, context_id))
        return ContextEntity.from_row(row) if row else None

    @strawberry.field(description="The {tokens} a context type offers: its fields, then the built-in {current_date}.")
    async def dynamic_fields(self, info: Info, context_type: ContextTypeName) -> list[DynamicField]:
        org = info.context.organization_id
        try:
            row = await run_use_case(info.context, lambda s: store.get_context_type(s, org, context_type))
        except DomainError as error:
            raise query_error(error) from None
        spec = store.spec_of(row)
        return [
            DynamicField(token=s.token, label=s.label, type=ContextFieldType(s.type.value))
            for s in (*spec.fields, *spec.built_ins())
        ]

    @strawberry.field(description="Render a subject and body with an entity's data (LIVE) or the sample data (SAMPLE).")
    async def preview_email(
        self, info: Info, input: Annotated[PreviewEmailInput, strawberry.argument(description="What to render.")]
    ) -> EmailPreview:
        sample = input.preview_mode == PreviewMode.SAMPLE
        try:
            locale = _locale(input.locale)
            context = await resolve_context(info.context, input.context_type, input.context_id, sample=sample)
        except DomainError as error:
            raise query_error(error) from None
        context = replace(context, formatting=context.formatting.with_locale(locale))
        rendered = render(context, input.subject, input.body)
        return EmailPreview(
            subject=rendered.subject if input.subject is not None else None,
            body=rendered.body_text or "",
            preview_mode=input.preview_mode,
            errors=[TokenError.from_issue(i) for i in rendered.issues],
        )

    @strawberry.field(
        description="Resolve the tokens of a subject and body (TEMPLATE), or have the language model draft them"
        " (INFERENCE, every fact checked; TEMPLATE when the model fails). Nothing is saved."
    )
    async def prepare_email(
        self, info: Info, input: Annotated[PrepareEmailInput, strawberry.argument(description="What to prepare.")]
    ) -> PreparedEmail:
        ctx = info.context
        mode = PrepareMode(cast(str, input.mode.value))
        try:
            locale = _locale(input.locale)
            account_id = parse_uuid(input.account_id, "accountId") if input.account_id is not None else None
            reply_to = (
                parse_uuid(input.reply_to_message_id, "replyToMessageId")
                if input.reply_to_message_id is not None
                else None
            )
            context = await resolve_context(ctx, input.context_type, input.context_id)
            people = await run_use_case(ctx, lambda s: correspondence(s, ctx.organization_id, account_id, reply_to))
        except DomainError as error:
            raise query_error(error) from None
        context = replace(context, formatting=context.formatting.with_locale(locale))
        request = PrepareRequest(
            mode=mode,
            subject=input.subject,
            body_text=input.body_text,
            prompt_hint=input.prompt_hint,
            sender_name=people.sender_name,
            sender_email=people.sender_email,
            thread=people.thread,
        )
        model = language_model(ctx.services) if mode is PrepareMode.INFERENCE else None
        if model is None:
            prepared = prepare(request, context, None)
        else:  # the model's HTTP call must not block the event loop
            prepared = await asyncio.to_thread(prepare, request, context, model)
        return PreparedEmail.from_prepared(prepared)

    @strawberry.field(description="Your templates, by name; narrow by context type.")
    async def email_templates(
        self,
        info: Info,
        context_type: Annotated[
            str | None, strawberry.argument(description="Only templates for this context type.")
        ] = None,
    ) -> list[EmailTemplate]:
        org = info.context.organization_id
        rows = await run_use_case(info.context, lambda s: templates.list_templates(s, org, context_type))
        return [EmailTemplate.from_row(r) for r in rows]

    @strawberry.field(description="One template of your organization, or null.")
    async def email_template(self, info: Info, id: TemplateId) -> EmailTemplate | None:
        org = info.context.organization_id
        try:
            template_id = parse_uuid(id, "id")
            row = await run_use_case(info.context, lambda s: templates.get_template(s, org, template_id))
        except DomainError:
            return None
        return EmailTemplate.from_row(row)

    @strawberry.field(description="Your organization's default locale and timezone for formatting values.")
    async def content_settings(self, info: Info) -> ContentSettings:
        org = info.context.organization_id
        formatting = await run_use_case(info.context, lambda s: store.formatting_defaults(s, org))
        return ContentSettings(locale=formatting.locale, timezone=formatting.timezone)
