"""Every operation requires the scope it should: the schema is walked, and each root field is called
with a token lacking its scope (refused, FORBIDDEN) and with a token holding only that scope (let in)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from graphql import parse

from api.schema import build_schema
from api.scopes import REQUIRED, needs_of
from domain.grants import ALL_SCOPES, Scope
from domain.tokens import issue_token
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope

SOME_ID = str(uuid.uuid4())
LATER = (datetime.now(UTC) + timedelta(days=1)).isoformat()

# One valid operation per root field. A field added to the schema without an entry here (and a
# scope in api/scopes.py) fails test_every_root_field_declares_a_scope_and_has_an_operation_here.
OPERATIONS: dict[str, tuple[str, dict[str, object]]] = {
    "Query.outboundEmail": ("query($id: ID!) { outboundEmail(id: $id) { id } }", {"id": SOME_ID}),
    "Query.outboundEmails": ("{ outboundEmails { totalCount } }", {}),
    "Query.mailAccounts": ("{ mailAccounts { id } }", {}),
    "Query.emailMessage": ("query($id: ID!) { emailMessage(id: $id) { id } }", {"id": SOME_ID}),
    "Query.emailMessages": ("{ emailMessages { id } }", {}),
    "Query.bounces": ("{ bounces { id } }", {}),
    "Query.suppressedAddresses": ("{ suppressedAddresses { email } }", {}),
    "Query.apiTokens": ("{ apiTokens { id } }", {}),
    "Mutation.createDraft": (
        "mutation($a: ID!) { createDraft(input: {accountId: $a}) { __typename } }",
        {"a": SOME_ID},
    ),
    "Mutation.updateDraft": (
        'mutation($id: ID!) { updateDraft(id: $id, input: {subject: "x"}) { __typename } }',
        {"id": SOME_ID},
    ),
    "Mutation.deleteDraft": ("mutation($id: ID!) { deleteDraft(id: $id) { __typename } }", {"id": SOME_ID}),
    "Mutation.scheduleDraft": (
        "mutation($id: ID!, $at: DateTime!) { scheduleDraft(id: $id, plannedSendAt: $at) { __typename } }",
        {"id": SOME_ID, "at": LATER},
    ),
    "Mutation.unscheduleDraft": ("mutation($id: ID!) { unscheduleDraft(id: $id) { __typename } }", {"id": SOME_ID}),
    "Mutation.sendEmail": (
        "mutation($d: ID!) { sendEmail(input: {draftId: $d}) { __typename } }",
        {"d": SOME_ID},
    ),
    "Mutation.retryEmail": ("mutation($id: ID!) { retryEmail(id: $id) { __typename } }", {"id": SOME_ID}),
    "Mutation.connectMailAccount": ("mutation { connectMailAccount { __typename } }", {}),
    "Mutation.disconnectMailAccount": (
        "mutation($id: ID!) { disconnectMailAccount(id: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.suppressAddress": ('mutation { suppressAddress(email: "a@example.com") { __typename } }', {}),
    "Mutation.unsuppressAddress": ('mutation { unsuppressAddress(email: "a@example.com") { __typename } }', {}),
    "Mutation.createClientToken": (
        "mutation { createClientToken(input: {scopes: [EMAILS_READ]}) { __typename } }",
        {},
    ),
    "Mutation.createApiToken": (
        'mutation { createApiToken(input: {name: "x", scopes: [EMAILS_READ]}) { __typename } }',
        {},
    ),
    "Mutation.revokeApiToken": ("mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }", {"id": SOME_ID}),
    "Query.contextTypes": ("{ contextTypes { contextType } }", {}),
    "Query.contextEntity": (
        'query($id: UUID!) { contextEntity(contextType: "invoice", contextId: $id) { __typename } }',
        {"id": SOME_ID},
    ),
    "Query.dynamicFields": ('{ dynamicFields(contextType: "invoice") { token } }', {}),
    "Query.previewEmail": (
        '{ previewEmail(input: {contextType: "invoice", body: "x", previewMode: SAMPLE}) { body } }',
        {},
    ),
    "Query.prepareEmail": (
        'query($id: UUID!) { prepareEmail(input: {mode: TEMPLATE, contextType: "invoice", contextId: $id}) { mode } }',
        {"id": SOME_ID},
    ),
    "Query.emailTemplates": ("{ emailTemplates { id } }", {}),
    "Query.emailTemplate": ("query($id: ID!) { emailTemplate(id: $id) { id } }", {"id": SOME_ID}),
    "Query.contentSettings": ("{ contentSettings { locale } }", {}),
    "Query.webhookEndpoints": ("{ webhookEndpoints { id } }", {}),
    "Query.webhookNotices": ("{ webhookNotices(first: 5) { __typename } }", {}),
    "Mutation.registerContextType": (
        'mutation { registerContextType(input: {contextType: "invoice", fields: []}) { __typename } }',
        {},
    ),
    "Mutation.putContextEntity": (
        'mutation($id: UUID!) { putContextEntity(contextType: "invoice", contextId: $id, data: {}) { __typename } }',
        {"id": SOME_ID},
    ),
    "Mutation.createEmailTemplate": (
        'mutation { createEmailTemplate(input: {name: "n", contextType: "invoice", subject: "s"}) { __typename } }',
        {},
    ),
    "Mutation.updateEmailTemplate": (
        "mutation($id: ID!) { updateEmailTemplate(id: $id, input: {}) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.deleteEmailTemplate": (
        "mutation($id: ID!) { deleteEmailTemplate(id: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.updateContentSettings": ('mutation { updateContentSettings(locale: "fr") { __typename } }', {}),
    "Mutation.createWebhookEndpoint": (
        'mutation { createWebhookEndpoint(input: {url: "http://127.0.0.1:9/h"}) { __typename } }',
        {},
    ),
    "Mutation.updateWebhookEndpoint": (
        "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {}) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.deleteWebhookEndpoint": (
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.rotateWebhookEndpointSecret": (
        "mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.redeliverWebhooks": (
        "mutation($id: ID!) { redeliverWebhooks(endpointId: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Query.emailContext": ('{ emailContext(contextType: "invoice") { lastActivityAt } }', {}),
    "Query.suppressions": ("{ suppressions { totalCount } }", {}),
    "Query.suppressionEvents": ("{ suppressionEvents { __typename } }", {}),
    "Mutation.cancelSend": ("mutation($id: ID!) { cancelSend(id: $id) { __typename } }", {"id": SOME_ID}),
    "Mutation.setDailySendCap": (
        "mutation($id: ID!) { setDailySendCap(accountId: $id, cap: 100) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.acknowledgeSenderWarning": (
        "mutation($id: ID!) { acknowledgeSenderWarning(accountId: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.linkBounce": (
        "mutation($id: ID!) { linkBounce(messageId: $id, outboundEmailId: $id) { __typename } }",
        {"id": SOME_ID},
    ),
    "Mutation.unlinkBounce": ("mutation($id: ID!) { unlinkBounce(messageId: $id) { __typename } }", {"id": SOME_ID}),
    # Subscriptions run over WebSockets; the scope check is the same one, tested here on the document
    # and end to end in tests/e2e/test_browser_clients.py.
    "Subscription.outboundEmailUpdates": ("subscription { outboundEmailUpdates { kind } }", {}),
}


def root_fields() -> set[str]:
    schema = build_schema()._schema
    roots = [schema.query_type, schema.mutation_type, schema.subscription_type]
    return {f"{root.name}.{name}" for root in roots if root is not None for name in root.fields}


def test_every_root_field_declares_a_scope_and_has_an_operation_here() -> None:
    fields = root_fields()
    assert sorted(fields - set(REQUIRED)) == [], "declare these fields' scopes in api/scopes.py REQUIRED"
    assert sorted(set(REQUIRED) - fields) == [], "api/scopes.py declares fields the schema no longer has"
    assert sorted(fields - set(OPERATIONS)) == [], "add an operation for these fields to OPERATIONS"
    assert all(scope is not None for scope in REQUIRED.values()), "every field needs some scope today"


@pytest.mark.parametrize("field", sorted(OPERATIONS))
def test_each_operation_needs_exactly_its_fields_scope(field: str) -> None:
    document, _ = OPERATIONS[field]
    needs = needs_of(build_schema()._schema, parse(document), None)
    assert needs.scopes == {REQUIRED[field]}
    assert needs.undeclared == ()


def test_fragments_and_several_root_fields_add_up_and_undeclared_fields_are_named() -> None:
    schema = build_schema()._schema
    document = parse(
        """query Q { ...Reads mailAccounts { id } }
        fragment Reads on Query { outboundEmails { totalCount } ... on Query { suppressedAddresses { email } } }
        mutation M { sendEmail(input: {}) { __typename } }"""
    )
    assert needs_of(schema, document, "Q").scopes == {
        Scope.EMAILS_READ,
        Scope.ACCOUNTS_READ,
        Scope.SUPPRESSIONS_MANAGE,
    }
    assert needs_of(schema, document, "M").scopes == {Scope.EMAILS_SEND}
    nested = parse("subscription { outboundEmailUpdates { outboundEmail { account { email } } } }")
    assert needs_of(schema, nested, None).scopes == {Scope.EMAILS_READ, Scope.ACCOUNTS_READ}
    assert needs_of(schema, parse("{ __typename __schema { types { name } } }"), None).scopes == frozenset()


def token_with(tenant: Tenant, scopes: frozenset[Scope]) -> str:
    with session_scope() as session:
        return issue_token(session, tenant.organization_id, name="scoped", scopes=[str(s) for s in scopes])


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant()


@pytest.mark.parametrize("field", sorted(f for f in OPERATIONS if not f.startswith("Subscription.")))
async def test_an_operation_is_refused_without_its_scope_and_let_in_with_only_it(client, tenant, field) -> None:
    document, variables = OPERATIONS[field]
    scope = REQUIRED[field]
    assert scope is not None
    lacking = token_with(tenant, ALL_SCOPES - {scope})
    refused = await gql(client, document, variables, lacking)
    assert refused.get("data") is None, refused
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["missingScopes"] == [str(scope)]

    only = token_with(tenant, frozenset({scope}))
    allowed = await gql(client, document, variables, only)
    codes = [e.get("extensions", {}).get("code") for e in allowed.get("errors", [])]
    assert "FORBIDDEN" not in codes, allowed
    # Past the gate: an answer, or the operation's own error about these made-up ids and names.
    assert allowed.get("data") is not None or (codes and None not in codes), allowed


async def test_a_nested_field_needing_more_is_refused_without_its_scope(client, tenant) -> None:
    reader = token_with(tenant, frozenset({Scope.EMAILS_READ}))
    query = "{ outboundEmails { edges { node { fromEmail account { email } } } } }"
    refused = await gql(client, query, token=reader)
    assert refused["errors"][0]["extensions"]["missingScopes"] == ["ACCOUNTS_READ"]
    assert "errors" not in await gql(client, "{ outboundEmails { edges { node { fromEmail } } } }", token=reader)


async def test_tokens_made_before_scopes_hold_every_scope(client, tenant) -> None:
    body = await gql(
        client, "{ mailAccounts { id } suppressedAddresses { email } apiTokens { scopes } }", token=tenant.token
    )
    assert "errors" not in body, body
    assert body["data"]["apiTokens"][0]["scopes"] == sorted(str(s) for s in ALL_SCOPES)
