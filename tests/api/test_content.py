"""The content API through GraphQL on PostgreSQL: context types, entities, preview, prepare, templates, tenancy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from api.schema import build_schema
from tests.content import (
    BODY,
    CREATE_DRAFT,
    CREATE_TEMPLATE,
    DELETE_TEMPLATE,
    DYNAMIC_FIELDS,
    INVOICE,
    PREPARE,
    PREVIEW,
    PUT,
    REGISTER,
    SETTINGS,
    SUBJECT,
    UPDATE_TEMPLATE,
    create_template,
    data,
    push,
    register_invoice,
)
from tests.factories import Tenant, gql, make_tenant
from tests.provider_server import ProviderServer


def test_the_contract_names_are_in_the_schema() -> None:
    sdl = str(build_schema())
    for name in (
        "registerContextType(",
        "input: RegisterContextTypeInput!",
        "contextTypes: [ContextType!]!",
        "putContextEntity(",
        "data: JSON!",
        "dynamicFields(",
        "): [DynamicField!]!",
        "previewEmail(",
        "prepareEmail(",
        "enum ContextFieldType {",
        "enum PreviewMode {",
        "enum PrepareMode {",
        "previewMode: PreviewMode!",
        "templateId: ID",
        "renderFromContext: Boolean!",
        "errors: [TokenError!]!",
    ):
        assert name in sdl, name
    for member in ("STR", "INT", "DECIMAL", "CURRENCY", "DATE", "DATETIME", "EMAIL", "URL", "LIVE", "SAMPLE"):
        assert f"\n  {member}\n" in sdl, member
    for typename, fields in {
        "DynamicField": ("token", "label", "type"),
        "EmailPreview": ("subject", "body", "previewMode", "errors"),
        "PreparedEmail": ("subject", "bodyText", "bodyHtml", "mode", "errors"),
        "TokenError": ("token", "message"),
    }.items():
        block = sdl[sdl.index(f"type {typename} {{") :].split("\n}", 1)[0]
        assert all(f"  {field}:" in block for field in fields), typename


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


@pytest.fixture
def app_server() -> Iterator[ProviderServer]:
    server = ProviderServer().start()
    yield server
    server.stop()


def count(db: str, table: str) -> int:
    with psycopg.connect(db) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


async def test_an_invoice_type_is_registered_and_offers_its_tokens(client, tenant) -> None:
    registered = await register_invoice(client, tenant.token)
    assert registered["fields"][1] == {"key": "amount_due", "label": "Amount Due", "type": "CURRENCY"}
    assert registered["sampleData"]["amount_due"] == {"amount": "2000.00", "currency": "USD"}
    assert registered["providerSecret"].startswith("mtps_")
    fields = (await data(client, DYNAMIC_FIELDS, {"type": "invoice"}, tenant.token))["dynamicFields"]
    assert fields[0] == {"token": "{invoice_number}", "label": "Invoice Number", "type": "STR"}
    assert fields[1] == {"token": "{amount_due}", "label": "Amount Due", "type": "CURRENCY"}
    assert fields[-1] == {"token": "{current_date}", "label": "Current Date", "type": "DATE"}
    status_only = [{"key": "status", "label": "Status", "type": "STR"}]
    again = await register_invoice(client, tenant.token, fields=status_only, sampleData={"status": "open"})
    assert [f["key"] for f in again["fields"]] == ["status"]
    listed = (await data(client, "{ contextTypes { contextType } }", {}, tenant.token))["contextTypes"]
    assert listed == [{"contextType": "invoice"}]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"sampleData": {"a": {"amount": 12.5}}}, "INVALID_CONTEXT_DATA", "sampleData"),
        ({"sampleData": {"b": "x"}}, "INVALID_CONTEXT_DATA", "sampleData"),
        ({"contextType": "Invoice Type"}, "INVALID_INPUT", "contextType"),
        ({"fields": [{"key": "due", "label": "Due", "type": "DATE"}] * 2}, "INVALID_INPUT", "fields"),
        ({"fields": []}, "INVALID_INPUT", "fields"),
        ({"providerUrl": "ftp://files.example.com/x"}, "INVALID_INPUT", "providerUrl"),
        ({"providerUrl": "https://user:pw@app.example.com/x"}, "INVALID_INPUT", "providerUrl"),
    ],
)
async def test_a_bad_context_type_is_refused_and_nothing_is_stored(client, tenant, db, overrides, code, field) -> None:
    payload = {"contextType": "invoice", "fields": [{"key": "a", "label": "A", "type": "STR"}], **overrides}
    result = (await data(client, REGISTER, {"input": payload}, tenant.token))["registerContextType"]
    assert (result["code"], result["field"]) == (code, field)
    assert count(db, "context_type") == 0


async def test_pushing_an_entity_makes_a_new_audited_version(client, tenant, db) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    first = await push(client, tenant.token, entity)
    second = await push(client, tenant.token, entity, {**INVOICE, "status": "paid"})
    assert first["contextEntity"]["version"] == 1
    assert second["contextEntity"]["version"] == 2
    assert second["contextEntity"]["data"]["status"] == "paid"
    assert first["contextEntity"]["dataHash"] != second["contextEntity"]["dataHash"]
    refused = await push(client, tenant.token, entity, {**INVOICE, "due_date": "next week"})
    assert refused["code"] == "INVALID_CONTEXT_DATA" and "due_date" in refused["message"]
    unknown = await data(client, PUT, {"type": "order", "id": str(entity), "data": {}}, tenant.token)
    assert unknown["putContextEntity"]["code"] == "NOT_FOUND"
    with psycopg.connect(db) as conn:
        versions = conn.execute("SELECT version, actor FROM context_entity_version ORDER BY version").fetchall()
        assert [v for v, _ in versions] == [1, 2]
        assert all(actor.startswith("api:token:") for _, actor in versions)
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE context_entity_version SET version = 9")
    stored = await gql(
        client,
        'query($id: UUID!) { contextEntity(contextType: "invoice", contextId: $id) { version } }',
        {"id": str(entity)},
        tenant.token,
    )
    assert stored["data"]["contextEntity"] == {"version": 2}


async def test_preview_renders_sample_data_without_an_entity_and_live_data_with_one(client, tenant) -> None:
    await register_invoice(client, tenant.token)
    sample = (
        await data(
            client,
            PREVIEW,
            {
                "input": {
                    "contextType": "invoice",
                    "subject": SUBJECT,
                    "body": "Hi {client_name}",
                    "previewMode": "SAMPLE",
                }
            },
            tenant.token,
        )
    )["previewEmail"]
    assert sample == {
        "subject": "Invoice INV-SAMPLE-1: $2,000.00 due February 15, 2024",
        "body": "Hi Sample Client",
        "previewMode": "SAMPLE",
        "errors": [],
    }
    entity = uuid.uuid4()
    await push(client, tenant.token, entity)
    live = (
        await data(
            client,
            PREVIEW,
            {"input": {"contextType": "invoice", "contextId": str(entity), "subject": SUBJECT, "body": BODY}},
            tenant.token,
        )
    )["previewEmail"]
    assert live["previewMode"] == "LIVE"
    assert live["subject"] == "Invoice INV-2024-001: $1,500.00 due March 15, 2024"
    assert "Pay: https://pay.example.com/inv/2024-001" in live["body"]
    missing = await gql(client, PREVIEW, {"input": {"contextType": "invoice", "body": "x"}}, tenant.token)
    assert missing["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    nobody = await gql(
        client,
        PREVIEW,
        {"input": {"contextType": "invoice", "contextId": str(uuid.uuid4()), "body": "x"}},
        tenant.token,
    )
    assert nobody["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_prepare_reports_an_unknown_token_and_saves_nothing(client, tenant, db) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    await push(client, tenant.token, entity)
    before = {t: count(db, t) for t in ("outbound_email", "context_entity_version", "outbound_email_content")}
    prepared = (
        await data(
            client,
            PREPARE,
            {
                "input": {
                    "mode": "TEMPLATE",
                    "contextType": "invoice",
                    "contextId": str(entity),
                    "subject": "Ship {invoice_number} to {shipping_address}",
                    "bodyText": "{amount_due}",
                }
            },
            tenant.token,
        )
    )["prepareEmail"]
    assert prepared["mode"] == "TEMPLATE"
    assert prepared["subject"] == "Ship INV-2024-001 to {shipping_address}"
    assert prepared["bodyText"] == "$1,500.00"
    assert prepared["bodyHtml"] == "<html><body>\n<p>$1,500.00</p>\n</body></html>"
    assert prepared["errors"] == [
        {
            "token": "{shipping_address}",
            "message": "{shipping_address} is not available for context type invoice",
            "kind": "UNKNOWN_TOKEN",
        }
    ]
    assert {t: count(db, t) for t in before} == before


async def test_values_are_formatted_in_french_from_the_request_or_the_organization(client, tenant) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    await push(client, tenant.token, entity)
    variables = {"input": {"contextType": "invoice", "contextId": str(entity), "body": "{amount_due} le {due_date}"}}
    english = (await data(client, PREVIEW, variables, tenant.token))["previewEmail"]["body"]
    assert english == "$1,500.00 le March 15, 2024"
    variables["input"]["locale"] = "fr"
    french = (await data(client, PREVIEW, variables, tenant.token))["previewEmail"]["body"]
    assert french == "1\u202f500,00\u00a0$US le 15 mars 2024"
    saved = await data(client, SETTINGS, {"locale": "fr", "timezone": "Europe/Paris"}, tenant.token)
    assert saved["updateContentSettings"]["contentSettings"] == {"locale": "fr", "timezone": "Europe/Paris"}
    del variables["input"]["locale"]
    assert (await data(client, PREVIEW, variables, tenant.token))["previewEmail"]["body"] == french
    bad = (await data(client, SETTINGS, {"locale": "klingon"}, tenant.token))["updateContentSettings"]
    assert bad["code"] == "INVALID_INPUT"


async def test_an_entity_that_was_not_pushed_is_read_from_the_apps_signed_provider(
    client, tenant, app_server: ProviderServer
) -> None:
    registered = await register_invoice(client, tenant.token, providerUrl=app_server.url)
    app_server.secret = registered["providerSecret"]
    entity = uuid.uuid4()
    app_server.entities[("invoice", str(entity))] = {**INVOICE, "invoice_number": "INV-FROM-APP"}
    variables = {"input": {"contextType": "invoice", "contextId": str(entity), "subject": SUBJECT, "body": "x"}}
    preview = (await data(client, PREVIEW, variables, tenant.token))["previewEmail"]
    assert preview["subject"] == "Invoice INV-FROM-APP: $1,500.00 due March 15, 2024"
    assert [r["signed"] for r in app_server.requests] == [True]
    await push(client, tenant.token, entity)  # a pushed snapshot, when there is one, wins
    preview = (await data(client, PREVIEW, variables, tenant.token))["previewEmail"]
    assert preview["subject"].startswith("Invoice INV-2024-001")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ({"status": 503}, "answered HTTP 503"),
        ({"secret": "mtps_not-the-right-one"}, "answered HTTP 401"),
        ({"raw_body": b'{"amount_due": "lots"}'}, "does not fit the type"),
    ],
)
async def test_a_failing_provider_is_a_typed_error(
    client, tenant, app_server: ProviderServer, breakage, message
) -> None:
    registered = await register_invoice(client, tenant.token, providerUrl=app_server.url)
    app_server.secret = registered["providerSecret"]
    for name, value in breakage.items():
        setattr(app_server, name, value)
    variables = {"input": {"contextType": "invoice", "contextId": str(uuid.uuid4()), "body": "{amount_due}"}}
    body = await gql(client, PREVIEW, variables, tenant.token)
    assert body["errors"][0]["extensions"]["code"] == "CONTEXT_PROVIDER_FAILED"
    assert message in body["errors"][0]["message"]


async def test_templates_are_versioned_and_their_tokens_checked(client, tenant, db) -> None:
    await register_invoice(client, tenant.token)
    created = await create_template(client, tenant.token)
    template = created["emailTemplate"]
    assert (template["version"], template["subject"]) == (1, SUBJECT)
    updated = (await data(client, UPDATE_TEMPLATE, {"id": template["id"], "input": {"locale": "fr"}}, tenant.token))[
        "updateEmailTemplate"
    ]["emailTemplate"]
    assert (updated["version"], updated["locale"], updated["subject"]) == (2, "fr", SUBJECT)
    bad = await create_template(client, tenant.token, name="Other", bodyText="{shipping_address}")
    assert bad["code"] == "UNRESOLVED_TOKENS" and "{shipping_address}" in bad["message"]
    duplicate = await create_template(client, tenant.token)
    assert duplicate["code"] == "INVALID_INPUT"
    listed = (await data(client, "{ emailTemplates { name version } }", {}, tenant.token))["emailTemplates"]
    assert listed == [{"name": "Reminder", "version": 2}]
    deleted = (await data(client, DELETE_TEMPLATE, {"id": template["id"]}, tenant.token))["deleteEmailTemplate"]
    assert deleted == {"__typename": "EmailTemplateDeleted", "id": template["id"]}
    assert count(db, "email_template") == 0
    assert count(db, "email_template_version") == 2


async def test_a_draft_is_rendered_from_a_template_and_records_what_it_came_from(client, tenant) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    pushed = await push(client, tenant.token, entity)
    template = (await create_template(client, tenant.token, bodyHtml="<p>{client_name} &amp; co</p>"))["emailTemplate"]
    draft_input = {
        "accountId": str(tenant.account_id),
        "to": ["billing@globex.example"],
        "contextType": "invoice",
        "contextId": str(entity),
        "templateId": template["id"],
        "sendCondition": [{"field": "status", "op": "NOT_IN", "value": ["paid", "void"]}],
    }
    saved = (await data(client, CREATE_DRAFT, {"input": draft_input}, tenant.token))["createDraft"]
    email = saved["outboundEmail"]
    assert email["subject"] == "Invoice INV-2024-001: $1,500.00 due March 15, 2024"
    assert email["bodyText"].startswith("Hello Globex,")
    assert email["bodyHtml"] == "<p>Globex &amp; co</p>"
    assert email["renderedFrom"] == {
        "contextType": "invoice",
        "contextId": str(entity),
        "templateId": template["id"],
        "templateVersion": 1,
        "locale": "en",
        "dataHash": pushed["contextEntity"]["dataHash"],
        "dataSource": "snapshot v1",
        "sendCondition": [{"field": "status", "op": "NOT_IN", "value": ["paid", "void"]}],
        "factCheck": False,
    }


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"renderFromContext": True, "subject": "Ship to {shipping_address}"}, "UNRESOLVED_TOKENS", "shipping_address"),
        ({"renderFromContext": True, "subject": "Paid {paid_on}"}, "UNRESOLVED_TOKENS", "paid_on"),
        ({"factCheck": True, "subject": "You owe $1,600.00"}, "UNGROUNDED_FACTS", "$1,600.00"),
        ({"renderFromContext": True, "contextId": None}, "INVALID_INPUT", "contextId is required"),
        ({"templateId": "not-an-id"}, "INVALID_INPUT", "templateId"),
        ({"templateId": str(uuid.uuid4())}, "NOT_FOUND", "template"),
        ({"sendCondition": [{"field": "paid", "op": "EQ", "value": 1}]}, "INVALID_INPUT", "not a field"),
        ({"renderFromContext": True, "locale": "xx"}, "INVALID_INPUT", "locale"),
        ({"locale": "fr", "subject": "plain"}, "INVALID_INPUT", "locale applies to rendering"),
    ],
)
async def test_a_draft_that_cannot_be_rendered_is_refused_and_not_saved(
    client, tenant, db, overrides, code, message
) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    await push(client, tenant.token, entity)
    draft_input = {
        "accountId": str(tenant.account_id),
        "to": ["billing@globex.example"],
        "contextType": "invoice",
        "contextId": str(entity),
        **overrides,
    }
    result = (await data(client, CREATE_DRAFT, {"input": draft_input}, tenant.token))["createDraft"]
    assert result["code"] == code
    assert message in result["message"]
    assert count(db, "outbound_email") == 0


async def test_another_organization_never_reads_your_contexts_or_templates(client, tenant) -> None:
    await register_invoice(client, tenant.token)
    entity = uuid.uuid4()
    await push(client, tenant.token, entity)
    template = (await create_template(client, tenant.token))["emailTemplate"]
    other = make_tenant("rival")
    assert (await data(client, "{ contextTypes { contextType } }", {}, other.token))["contextTypes"] == []
    assert (await data(client, "{ emailTemplates { id } }", {}, other.token))["emailTemplates"] == []
    got = await data(client, "query($id: ID!) { emailTemplate(id: $id) { id } }", {"id": template["id"]}, other.token)
    assert got["emailTemplate"] is None
    entity_query = 'query($id: UUID!) { contextEntity(contextType: "invoice", contextId: $id) { version } }'
    assert (await data(client, entity_query, {"id": str(entity)}, other.token))["contextEntity"] is None
    fields = await gql(client, DYNAMIC_FIELDS, {"type": "invoice"}, other.token)
    assert fields["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    preview = await gql(
        client,
        PREVIEW,
        {"input": {"contextType": "invoice", "contextId": str(entity), "body": "{amount_due}"}},
        other.token,
    )
    assert preview["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await push(client, other.token, entity))["code"] == "NOT_FOUND"
    edit = await data(client, UPDATE_TEMPLATE, {"id": template["id"], "input": {"name": "mine"}}, other.token)
    assert edit["updateEmailTemplate"]["code"] == "NOT_FOUND"
    deleted = await data(client, DELETE_TEMPLATE, {"id": template["id"]}, other.token)
    assert deleted["deleteEmailTemplate"]["code"] == "NOT_FOUND"
    await register_invoice(client, other.token)  # the same name, its own type: still not the first one's data
    draft = {
        "accountId": str(other.account_id),
        "to": ["a@example.com"],
        "contextType": "invoice",
        "contextId": str(entity),
        "templateId": template["id"],
    }
    assert (await data(client, CREATE_DRAFT, {"input": draft}, other.token))["createDraft"]["code"] == "NOT_FOUND"
    draft.pop("templateId")
    draft.update(renderFromContext=True, subject="{amount_due}")
    assert (await data(client, CREATE_DRAFT, {"input": draft}, other.token))["createDraft"]["code"] == "NOT_FOUND"
    creates = await gql(
        client,
        CREATE_TEMPLATE,
        {"input": {"name": "x", "contextType": "order", "subject": "s", "bodyText": "b"}},
        other.token,
    )
    assert creates["data"]["createEmailTemplate"]["code"] == "NOT_FOUND"
