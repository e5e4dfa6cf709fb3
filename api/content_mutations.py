"""Content mutations: register context types, push entities, edit templates, formatting defaults."""

from __future__ import annotations

from typing import Annotated, Any, cast

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.scalars import JSON

from api.content import ContextId, ContextTypeName, TemplateId, secret_for
from api.content_inputs import EmailTemplateInput, EmailTemplatePatch, RegisterContextTypeInput
from api.content_options import parse_uuid
from api.content_types import (
    ContentSettings,
    ContentSettingsResult,
    ContentSettingsSaved,
    ContextEntity,
    ContextEntitySaved,
    ContextType,
    ContextTypeSaved,
    DeleteEmailTemplateResult,
    EmailTemplate,
    EmailTemplateDeleted,
    EmailTemplateResult,
    EmailTemplateSaved,
    PutContextEntityResult,
    RegisterContextTypeResult,
)
from api.errors import member_of
from api.runner import run_use_case
from api.types import Info
from domain.content import store, templates
from domain.content.fields import parse_fields
from domain.errors import DomainError

PATCH_FIELDS = ("name", "context_type", "subject", "body_text", "body_html", "locale")


@strawberry.type
class ContentMutations:
    @strawberry.mutation(description="Declare a context type (or replace one of the same name).")
    async def register_context_type(
        self,
        info: Info,
        input: Annotated[RegisterContextTypeInput, strawberry.argument(description="The context type.")],
    ) -> RegisterContextTypeResult:
        ctx = info.context
        try:
            specs = parse_fields((f.key, f.label, cast(str, f.type.value)) for f in input.fields)
            row = await run_use_case(
                ctx,
                lambda s: store.register_context_type(
                    s,
                    ctx.organization_id,
                    input.context_type,
                    specs,
                    input.sample_data,
                    input.provider_url,
                    allow_insecure_provider=ctx.settings.env != "production",
                ),
            )
        except DomainError as error:
            return member_of(error, RegisterContextTypeResult)  # type: ignore[no-any-return]
        return ContextTypeSaved(context_type=ContextType.from_row(row, secret_for(info, row.name)))

    @strawberry.mutation(description="Push an entity's data: a new version, the last write wins, every push audited.")
    async def put_context_entity(
        self,
        info: Info,
        context_type: ContextTypeName,
        context_id: ContextId,
        data: Annotated[JSON, strawberry.argument(description="The entity's values, typed as its fields declare.")],
    ) -> PutContextEntityResult:
        ctx = info.context

        def use_case(session: Any) -> Any:
            return store.put_entity(session, ctx.organization_id, context_type, context_id, data, ctx.actor)

        try:
            try:
                row = await run_use_case(ctx, use_case)
            except IntegrityError:  # two first pushes raced; the second becomes version 2
                row = await run_use_case(ctx, use_case)
        except DomainError as error:
            return member_of(error, PutContextEntityResult)  # type: ignore[no-any-return]
        return ContextEntitySaved(context_entity=ContextEntity.from_row(row))

    @strawberry.mutation(description="Create a template (version 1); its tokens must be fields of its context type.")
    async def create_email_template(
        self, info: Info, input: Annotated[EmailTemplateInput, strawberry.argument(description="The template.")]
    ) -> EmailTemplateResult:
        ctx = info.context
        fields = templates.TemplateFields(
            name=input.name,
            context_type=input.context_type,
            subject=input.subject,
            body_text=input.body_text,
            body_html=input.body_html,
            locale=input.locale,
        )
        try:
            row = await run_use_case(
                ctx, lambda s: templates.create_template(s, ctx.organization_id, fields, ctx.actor)
            )
        except DomainError as error:
            return member_of(error, EmailTemplateResult)  # type: ignore[no-any-return]
        return EmailTemplateSaved(email_template=EmailTemplate.from_row(row))

    @strawberry.mutation(description="Edit a template: only the given fields change; its version grows by one.")
    async def update_email_template(
        self,
        info: Info,
        id: TemplateId,
        input: Annotated[EmailTemplatePatch, strawberry.argument(description="The fields to change.")],
    ) -> EmailTemplateResult:
        ctx = info.context
        changes = {name: getattr(input, name) for name in PATCH_FIELDS if getattr(input, name) is not strawberry.UNSET}
        try:
            template_id = parse_uuid(id, "id")
            row = await run_use_case(
                ctx, lambda s: templates.update_template(s, ctx.organization_id, template_id, changes, ctx.actor)
            )
        except DomainError as error:
            return member_of(error, EmailTemplateResult)  # type: ignore[no-any-return]
        return EmailTemplateSaved(email_template=EmailTemplate.from_row(row))

    @strawberry.mutation(description="Delete a template; emails keep the id and version they were rendered from.")
    async def delete_email_template(self, info: Info, id: TemplateId) -> DeleteEmailTemplateResult:
        ctx = info.context
        try:
            template_id = parse_uuid(id, "id")
            await run_use_case(ctx, lambda s: templates.delete_template(s, ctx.organization_id, template_id))
        except DomainError as error:
            return member_of(error, DeleteEmailTemplateResult)  # type: ignore[no-any-return]
        return EmailTemplateDeleted(id=id)

    @strawberry.mutation(description="Set your organization's default locale and/or timezone.")
    async def update_content_settings(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description="A CLDR locale (en, fr, en_GB).")] = None,
        timezone: Annotated[str | None, strawberry.argument(description="An IANA timezone (Europe/Paris).")] = None,
    ) -> ContentSettingsResult:
        ctx = info.context
        try:
            row = await run_use_case(ctx, lambda s: store.update_formatting(s, ctx.organization_id, locale, timezone))
        except DomainError as error:
            return member_of(error, ContentSettingsResult)  # type: ignore[no-any-return]
        return ContentSettingsSaved(content_settings=ContentSettings(locale=row.locale, timezone=row.timezone))
