"""GraphQL operations and steps shared by the content tests: an invoice type, its entities, templates."""

from __future__ import annotations

import uuid
from typing import Any

from tests.factories import gql

ERRORS = "... on MutationError { code message field }"
REGISTER = f"""mutation($input: RegisterContextTypeInput!) {{ registerContextType(input: $input) {{ __typename
  ... on ContextTypeSaved {{ contextType {{ contextType fields {{ key label type }} sampleData providerUrl
    providerSecret }} }} {ERRORS} }} }}"""
PUT = f"""mutation($type: String!, $id: UUID!, $data: JSON!) {{
  putContextEntity(contextType: $type, contextId: $id, data: $data) {{ __typename
  ... on ContextEntitySaved {{ contextEntity {{ contextType contextId version dataHash data }} }} {ERRORS} }} }}"""
DYNAMIC_FIELDS = "query($type: String!) { dynamicFields(contextType: $type) { token label type } }"
PREVIEW = """query($input: PreviewEmailInput!) { previewEmail(input: $input) {
  subject body previewMode errors { token message kind } } }"""
PREPARE = """query($input: PrepareEmailInput!) { prepareEmail(input: $input) {
  subject bodyText bodyHtml mode errors { token message kind } model fallbackReason } }"""
TEMPLATE_FIELDS = "id name contextType locale subject bodyText bodyHtml version"
CREATE_TEMPLATE = f"""mutation($input: EmailTemplateInput!) {{ createEmailTemplate(input: $input) {{ __typename
  ... on EmailTemplateSaved {{ emailTemplate {{ {TEMPLATE_FIELDS} }} }} {ERRORS} }} }}"""
UPDATE_TEMPLATE = f"""mutation($id: ID!, $input: EmailTemplatePatch!) {{ updateEmailTemplate(id: $id, input: $input) {{
  __typename ... on EmailTemplateSaved {{ emailTemplate {{ {TEMPLATE_FIELDS} }} }} {ERRORS} }} }}"""
DELETE_TEMPLATE = f"""mutation($id: ID!) {{ deleteEmailTemplate(id: $id) {{ __typename
  ... on EmailTemplateDeleted {{ id }} {ERRORS} }} }}"""
RENDERED_FROM = "renderedFrom { contextType contextId templateId templateVersion locale dataHash dataSource sendCondition factCheck }"
CREATE_DRAFT = f"""mutation($input: DraftInput!) {{ createDraft(input: $input) {{ __typename
  ... on DraftSaved {{ outboundEmail {{ id status subject bodyText bodyHtml {RENDERED_FROM} }} }} {ERRORS} }} }}"""
SEND = f"""mutation($input: SendEmailInput!) {{ sendEmail(input: $input) {{ __typename
  ... on EmailQueued {{ outboundEmail {{ id status subject bodyText {RENDERED_FROM} }} }} {ERRORS} }} }}"""
SETTINGS = """mutation($locale: String, $timezone: String) { updateContentSettings(locale: $locale, timezone: $timezone) {
  __typename ... on ContentSettingsSaved { contentSettings { locale timezone } } ... on MutationError { code message } } }"""

INVOICE_FIELDS = [
    {"key": "invoice_number", "label": "Invoice Number", "type": "STR"},
    {"key": "amount_due", "label": "Amount Due", "type": "CURRENCY"},
    {"key": "due_date", "label": "Due Date", "type": "DATE"},
    {"key": "status", "label": "Status", "type": "STR"},
    {"key": "client_name", "label": "Client Name", "type": "STR"},
    {"key": "client_email", "label": "Client Email", "type": "EMAIL"},
    {"key": "payment_link", "label": "Payment Link", "type": "URL"},
    {"key": "days_overdue", "label": "Days Overdue", "type": "INT"},
]
SAMPLE = {
    "invoice_number": "INV-SAMPLE-1",
    "amount_due": {"amount": "2000.00", "currency": "USD"},
    "due_date": "2024-02-15",
    "status": "open",
    "client_name": "Sample Client",
}
INVOICE = {
    "invoice_number": "INV-2024-001",
    "amount_due": {"amount": "1500.00", "currency": "USD"},
    "due_date": "2024-03-15",
    "status": "open",
    "client_name": "Globex",
    "client_email": "billing@globex.example",
    "payment_link": "https://pay.example.com/inv/2024-001",
    "days_overdue": 10,
}
SUBJECT = "Invoice {invoice_number}: {amount_due} due {due_date}"
BODY = "Hello {client_name},\n\nInvoice {invoice_number} for {amount_due} is due on {due_date}.\nPay: {payment_link}"


async def data(client: Any, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    """The `data` of an operation that must not fail at the GraphQL level."""
    body = await gql(client, query, variables, token)
    assert "errors" not in body, body
    return dict(body["data"])


async def register_invoice(client: Any, token: str, **overrides: Any) -> dict[str, Any]:
    payload = {"contextType": "invoice", "fields": INVOICE_FIELDS, "sampleData": SAMPLE, **overrides}
    result = (await data(client, REGISTER, {"input": payload}, token))["registerContextType"]
    assert result["__typename"] == "ContextTypeSaved", result
    return dict(result["contextType"])


async def push(client: Any, token: str, entity: uuid.UUID, values: dict[str, Any] | None = None) -> dict[str, Any]:
    variables = {"type": "invoice", "id": str(entity), "data": values or INVOICE}
    return dict((await data(client, PUT, variables, token))["putContextEntity"])


async def create_template(client: Any, token: str, **overrides: Any) -> dict[str, Any]:
    payload = {"name": "Reminder", "contextType": "invoice", "subject": SUBJECT, "bodyText": BODY, **overrides}
    return dict((await data(client, CREATE_TEMPLATE, {"input": payload}, token))["createEmailTemplate"])
