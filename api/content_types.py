"""GraphQL shapes of the content API: context types and entities, templates, preview and prepare."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from api.content_inputs import ContentErrorKind, ContextFieldType, PrepareMode, PreviewMode
from api.errors import NotFoundError, ValidationError
from domain import records
from domain.content.fields import FieldSpec, specs_from_json
from domain.content.prepare import Prepared
from domain.content.render import ContentIssue


@strawberry.type(description="A field of a context type.")
class ContextField:
    key: str = strawberry.field(description="The token name.")
    label: str = strawberry.field(description="A name for people.")
    type: ContextFieldType = strawberry.field(description="The value's type.")

    @classmethod
    def from_spec(cls, spec: FieldSpec) -> ContextField:
        return cls(key=spec.key, label=spec.label, type=ContextFieldType(spec.type.value))


@strawberry.type(description="A token a context type offers, for template authoring and token pickers.")
class DynamicField:
    token: str = strawberry.field(description="The placeholder with its braces: {amount_due}.")
    label: str = strawberry.field(description="A name for people.")
    type: ContextFieldType = strawberry.field(description="The value's type.")


@strawberry.type(description="A kind of app entity emails are about (an invoice), with its fields.")
class ContextType:
    context_type: str = strawberry.field(description="Its name.")
    fields: list[ContextField] = strawberry.field(description="The declared fields.")
    sample_data: JSON = strawberry.field(description="The sample values (canonical JSON).")
    provider_url: str | None = strawberry.field(description="Where entities that were not pushed are read from.")
    provider_secret: str = strawberry.field(
        description="The HMAC key your provider verifies X-Mailtrail-Signature with (yours alone; keep it secret)."
    )
    created_at: datetime = strawberry.field(description="When it was first registered.")
    updated_at: datetime = strawberry.field(description="When it was last registered.")

    @classmethod
    def from_row(cls, row: records.ContextType, secret: str) -> ContextType:
        return cls(
            context_type=row.name,
            fields=[ContextField.from_spec(s) for s in specs_from_json(row.fields)],
            sample_data=cast(JSON, row.sample_data),
            provider_url=row.provider_url,
            provider_secret=secret,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="The latest snapshot the app pushed of one entity.")
class ContextEntity:
    context_type: str = strawberry.field(description="Its context type.")
    context_id: uuid.UUID = strawberry.field(description="Its id in the app.")
    data: JSON = strawberry.field(description="The data, typed and in canonical form.")
    version: int = strawberry.field(description="1 for the first push, one more for each push after it.")
    data_hash: str = strawberry.field(description="sha256 of the canonical data.")
    updated_at: datetime = strawberry.field(description="When it was last pushed.")

    @classmethod
    def from_row(cls, row: records.ContextEntity) -> ContextEntity:
        return cls(
            context_type=row.context_type,
            context_id=row.context_id,
            data=cast(JSON, row.data),
            version=row.version,
            data_hash=row.data_hash,
            updated_at=row.updated_at,
        )


@strawberry.type(description="A problem with a token or a fact; an email with one cannot be sent.")
class TokenError:
    token: str = strawberry.field(description="The token ({shipping_address}) or the fact ($1,600.00) as written.")
    message: str = strawberry.field(description="What is wrong, for a person.")
    kind: ContentErrorKind = strawberry.field(description="What kind of problem it is.")

    @classmethod
    def from_issue(cls, issue: ContentIssue) -> TokenError:
        return cls(token=issue.token, message=issue.message, kind=ContentErrorKind(issue.kind.value))


@strawberry.type(description="A rendered subject and body; unknown or empty tokens stay as written and are listed.")
class EmailPreview:
    subject: str | None = strawberry.field(description="The rendered subject.")
    body: str = strawberry.field(description="The rendered body.")
    preview_mode: PreviewMode = strawberry.field(description="The data it was rendered with.")
    errors: list[TokenError] = strawberry.field(description="Tokens that could not be filled.")


@strawberry.type(description="Prepared content; nothing was saved. Send it with factCheck: true when a model wrote it.")
class PreparedEmail:
    subject: str = strawberry.field(description="The subject.")
    body_text: str = strawberry.field(description="The text body.")
    body_html: str = strawberry.field(description="The text body as simple HTML.")
    mode: PrepareMode = strawberry.field(description="INFERENCE when a model drafted it; TEMPLATE when rendered.")
    errors: list[TokenError] = strawberry.field(
        description="Unfilled tokens and ungrounded facts; each blocks sending."
    )
    model: str | None = strawberry.field(description="The model that drafted it (mailtrail-sandbox under make run).")
    fallback_reason: str | None = strawberry.field(description="Why INFERENCE fell back to TEMPLATE.")

    @classmethod
    def from_prepared(cls, prepared: Prepared) -> PreparedEmail:
        return cls(
            subject=prepared.subject,
            body_text=prepared.body_text,
            body_html=prepared.body_html,
            mode=PrepareMode(prepared.mode.value),
            errors=[TokenError.from_issue(i) for i in prepared.issues],
            model=prepared.model,
            fallback_reason=prepared.fallback_reason,
        )


@strawberry.type(description="A reusable subject and body with {tokens}.")
class EmailTemplate:
    id: strawberry.ID = strawberry.field(description="Its id (templateId).")
    name: str = strawberry.field(description="Its name.")
    context_type: str = strawberry.field(description="The context type its tokens belong to.")
    locale: str | None = strawberry.field(description="Its locale, if it has its own.")
    subject: str = strawberry.field(description="The subject.")
    body_text: str | None = strawberry.field(description="The text body.")
    body_html: str | None = strawberry.field(description="The HTML body.")
    version: int = strawberry.field(description="1, and one more for each edit; emails record it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last edited.")

    @classmethod
    def from_row(cls, row: records.EmailTemplate) -> EmailTemplate:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            context_type=row.context_type,
            locale=row.locale,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="The organization's default locale and timezone for formatting context values.")
class ContentSettings:
    locale: str = strawberry.field(description="A CLDR locale (en, fr, en_GB).")
    timezone: str = strawberry.field(description="An IANA timezone (Europe/Paris).")


@strawberry.type(description="How an email's content was made from its context: the frozen record of what was sent.")
class RenderedFrom:
    context_type: str = strawberry.field(description="The context type.")
    context_id: uuid.UUID = strawberry.field(description="The entity.")
    template_id: strawberry.ID | None = strawberry.field(description="The template, if one was used.")
    template_version: int | None = strawberry.field(description="The template's version at the time.")
    locale: str = strawberry.field(description="The locale values were formatted for.")
    data_hash: str | None = strawberry.field(description="sha256 of the entity's data it was rendered from.")
    data_source: str | None = strawberry.field(description="snapshot v<N>, provider or sample.")
    send_condition: JSON | None = strawberry.field(description="The condition the worker re-checks before sending.")
    fact_check: bool = strawberry.field(description="Whether its facts are checked against the entity.")

    @classmethod
    def from_row(cls, row: records.OutboundEmailContent) -> RenderedFrom:
        return cls(
            context_type=row.context_type,
            context_id=row.context_id,
            template_id=strawberry.ID(str(row.template_id)) if row.template_id else None,
            template_version=row.template_version,
            locale=row.locale,
            data_hash=row.data_hash,
            data_source=row.data_source,
            send_condition=cast(JSON, row.send_condition),
            fact_check=row.fact_check,
        )


@strawberry.type(description="The context type as registered.")
class ContextTypeSaved:
    context_type: ContextType = strawberry.field(description="The context type.")


@strawberry.type(description="The entity as stored.")
class ContextEntitySaved:
    context_entity: ContextEntity = strawberry.field(description="The entity.")


@strawberry.type(description="The template as stored.")
class EmailTemplateSaved:
    email_template: EmailTemplate = strawberry.field(description="The template.")


@strawberry.type(description="The template was deleted; its versions stay for the emails that name them.")
class EmailTemplateDeleted:
    id: strawberry.ID = strawberry.field(description="The deleted template's id.")


@strawberry.type(description="The settings as stored.")
class ContentSettingsSaved:
    content_settings: ContentSettings = strawberry.field(description="The settings.")


RegisterContextTypeResult = Annotated[
    ContextTypeSaved | ValidationError,
    strawberry.union("RegisterContextTypeResult", description="The registered context type, or why it was refused."),
]
PutContextEntityResult = Annotated[
    ContextEntitySaved | ValidationError | NotFoundError,
    strawberry.union("PutContextEntityResult", description="The stored entity, or why the data was refused."),
]
EmailTemplateResult = Annotated[
    EmailTemplateSaved | ValidationError | NotFoundError,
    strawberry.union("EmailTemplateResult", description="The saved template, or why nothing was saved."),
]
DeleteEmailTemplateResult = Annotated[
    EmailTemplateDeleted | ValidationError | NotFoundError,
    strawberry.union("DeleteEmailTemplateResult", description="The deleted template's id, or why not."),
]
ContentSettingsResult = Annotated[
    ContentSettingsSaved | ValidationError,
    strawberry.union("ContentSettingsResult", description="The settings as saved, or why they were refused."),
]
