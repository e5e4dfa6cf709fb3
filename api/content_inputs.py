"""GraphQL enums and inputs of the content API, and the content options createDraft / sendEmail take."""

from __future__ import annotations

import uuid
from enum import Enum

import strawberry
from strawberry.scalars import JSON


@strawberry.enum(description="The type of a context field's value; it decides how the value is checked and formatted.")
class ContextFieldType(Enum):
    STR = strawberry.enum_value("str", description="Text, shown as is.")
    INT = strawberry.enum_value("int", description="A whole number, shown without grouping (10234).")
    DECIMAL = strawberry.enum_value("decimal", description='A decimal sent as a string ("12.5"), shown localized.')
    CURRENCY = strawberry.enum_value(
        "currency", description='An amount: {"amount": "1500.00", "currency": "USD"}, shown as "$1,500.00" in en.'
    )
    DATE = strawberry.enum_value("date", description='A date: "2024-02-15", shown as "February 15, 2024" in en.')
    DATETIME = strawberry.enum_value(
        "datetime", description="ISO 8601 with an offset, shown in the organization's timezone."
    )
    EMAIL = strawberry.enum_value("email", description="An email address.")
    URL = strawberry.enum_value("url", description="An http(s) link.")


@strawberry.enum(description="Which data a preview renders with.")
class PreviewMode(Enum):
    LIVE = strawberry.enum_value("LIVE", description="A real entity's data (contextId required).")
    SAMPLE = strawberry.enum_value("SAMPLE", description="The context type's sample data; no entity needed.")


@strawberry.enum(description="How prepareEmail makes the content.")
class PrepareMode(Enum):
    TEMPLATE = strawberry.enum_value("TEMPLATE", description="Fill the {tokens} of the given subject and body.")
    INFERENCE = strawberry.enum_value(
        "INFERENCE", description="A language model drafts from the entity's data and promptHint; every fact is checked."
    )


@strawberry.enum(description="What kind of problem a content error is.")
class ContentErrorKind(Enum):
    UNKNOWN_TOKEN = strawberry.enum_value("UNKNOWN_TOKEN", description="The token is not a field of the context type.")
    MISSING_VALUE = strawberry.enum_value("MISSING_VALUE", description="The field has no value for this entity.")
    UNGROUNDED_FACT = strawberry.enum_value(
        "UNGROUNDED_FACT", description="A generated fact matches no value of the entity nor the prompt hint."
    )
    MODEL_UNAVAILABLE = strawberry.enum_value(
        "MODEL_UNAVAILABLE", description="No model draft, and no subject/body was given to fall back on."
    )


@strawberry.enum(description="A send condition's comparison.")
class SendConditionOperator(Enum):
    EQ = strawberry.enum_value("EQ", description="equals value")
    NE = strawberry.enum_value("NE", description="differs from value")
    IN = strawberry.enum_value("IN", description="is one of value (a list)")
    NOT_IN = strawberry.enum_value("NOT_IN", description="is none of value (a list)")
    GT = strawberry.enum_value("GT", description="greater than value (numbers, amounts, dates)")
    GTE = strawberry.enum_value("GTE", description="greater than or equal to value")
    LT = strawberry.enum_value("LT", description="less than value")
    LTE = strawberry.enum_value("LTE", description="less than or equal to value")
    IS_SET = strawberry.enum_value("IS_SET", description="has a value")
    IS_NOT_SET = strawberry.enum_value("IS_NOT_SET", description="has no value")


@strawberry.input(description="One field a context type declares.")
class ContextFieldInput:
    key: str = strawberry.field(description="The token name: lower-case letters, digits and _ (amount_due).")
    label: str = strawberry.field(description="A name for people (Amount Due).")
    type: ContextFieldType = strawberry.field(description="How the value is checked and formatted.")


@strawberry.input(description="A context type: registering an existing name replaces its fields, sample and provider.")
class RegisterContextTypeInput:
    context_type: str = strawberry.field(description="The name emails use in contextType (invoice).")
    fields: list[ContextFieldInput] = strawberry.field(description="The fields, in the order tools should list them.")
    sample_data: JSON | None = strawberry.field(
        default=None, description="Values for SAMPLE previews, typed as declared."
    )
    provider_url: str | None = strawberry.field(
        default=None,
        description="An https URL Mailtrail asks for entities that were not pushed (signed GET; see providerSecret).",
    )


@strawberry.input(description="One clause of a send condition; all clauses must hold for the email to go out.")
class SendConditionInput:
    field: str = strawberry.field(description="A field key of the email's context type (status).")
    op: SendConditionOperator = strawberry.field(description="The comparison.")
    value: JSON | None = strawberry.field(
        default=None, description='The operand, typed like the field (["paid", "void"], 0, "2024-03-01").'
    )


@strawberry.input(description="Render subject and body with an entity's data (or the sample data).")
class PreviewEmailInput:
    context_type: str = strawberry.field(description="The context type whose fields the tokens name.")
    body: str = strawberry.field(description="The body, with {tokens}.")
    subject: str | None = strawberry.field(default=None, description="The subject, with {tokens}.")
    context_id: uuid.UUID | None = strawberry.field(default=None, description="The entity (LIVE mode).")
    preview_mode: PreviewMode = strawberry.field(default=PreviewMode.LIVE, description="LIVE (default) or SAMPLE.")
    locale: str | None = strawberry.field(
        default=None, description="Format for this locale (default: the organization's)."
    )


@strawberry.input(description="Prepare an email's content from an entity, by template or by a language model.")
class PrepareEmailInput:
    mode: PrepareMode = strawberry.field(description="TEMPLATE or INFERENCE.")
    context_type: str = strawberry.field(description="The entity's context type.")
    context_id: uuid.UUID = strawberry.field(description="The entity.")
    subject: str | None = strawberry.field(
        default=None, description="TEMPLATE: the subject with {tokens}. INFERENCE: the fallback if the model fails."
    )
    body_text: str | None = strawberry.field(default=None, description="Like subject, for the text body.")
    prompt_hint: str | None = strawberry.field(
        default=None, description="INFERENCE: guidance for the model; facts in it count as grounded."
    )
    locale: str | None = strawberry.field(
        default=None, description="Language and formats (default: the organization's)."
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="The sending account (its name signs)."
    )
    reply_to_message_id: strawberry.ID | None = strawberry.field(
        default=None, description="INFERENCE: the EmailMessage being answered; its thread is shown to the model."
    )


@strawberry.input(description="A new email template.")
class EmailTemplateInput:
    name: str = strawberry.field(description="Unique within the organization.")
    context_type: str = strawberry.field(description="The context type whose fields its tokens name.")
    subject: str = strawberry.field(description="The subject, with {tokens}.")
    body_text: str | None = strawberry.field(default=None, description="The text body, with {tokens}.")
    body_html: str | None = strawberry.field(default=None, description="The HTML body; token values are escaped.")
    locale: str | None = strawberry.field(
        default=None, description="Format for this locale unless the email says otherwise."
    )


@strawberry.input(description="A partial edit of a template: only the given fields change; the version grows by one.")
class EmailTemplatePatch:
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    context_type: str | None = strawberry.field(default=strawberry.UNSET, description="A new context type.")
    subject: str | None = strawberry.field(default=strawberry.UNSET, description="A new subject.")
    body_text: str | None = strawberry.field(default=strawberry.UNSET, description="A new text body (null clears).")
    body_html: str | None = strawberry.field(default=strawberry.UNSET, description="A new HTML body (null clears).")
    locale: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new locale (null: the organization's)."
    )


@strawberry.input(description="Content options shared by DraftInput and SendEmailInput.")
class ContentOptionsInput:
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Render subject and bodies from this template with the entity (contextId)."
    )
    render_from_context: bool = strawberry.field(
        default=False, description="Fill the {tokens} of the given subject and bodies from the entity (contextId)."
    )
    locale: str | None = strawberry.field(
        default=None, description="Format values for this locale (default: the template's, then the organization's)."
    )
    send_condition: list[SendConditionInput] | None = strawberry.field(
        default=None,
        description="Checked on the entity again just before the Gmail call; if it no longer holds, the email FAILS.",
    )
    fact_check: bool = strawberry.field(
        default=False,
        description="The text was drafted by a model (prepareEmail INFERENCE): refuse UNGROUNDED_FACTS until every"
        " amount, date, link... matches the entity or promptHint (checked again before sending).",
    )
    prompt_hint: str | None = strawberry.field(
        default=None, description="With factCheck: the hint the draft was made with; its facts count as grounded."
    )
