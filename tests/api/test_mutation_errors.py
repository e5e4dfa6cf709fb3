"""Each mutation's result union lists exactly the error types its code path can return.

Three views must agree: the table below (what a client may rely on), the published schema, and
the error codes the resolver's code path can raise (read from the source by tests/api/error_paths.py,
each code mapped to its member type as api/errors.member_type maps it). Tests at the end trigger
representative errors through HTTP, including the ones the narrowed unions now answer.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import graphql
import pytest

from api.errors import MutationError, ValidationError, member_of, member_type
from api.schema import build_schema
from domain.errors import DomainError, ErrorCode
from tests.api.error_paths import codes_raised, where_raised
from tests.factories import Tenant, gql, make_tenant

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

V, NF, IS = "ValidationError", "NotFoundError", "InvalidStateError"
IC, RS, SP = "IdempotencyConflictError", "RecipientSuppressedError", "SendInProgressError"

ERRORS_BY_MUTATION: dict[str, set[str]] = {
    "createDraft": {V, NF, IS, RS},
    "updateDraft": {V, NF, IS, RS},
    "deleteDraft": {V, NF, IS},
    "scheduleDraft": {V, NF, IS, RS},
    "unscheduleDraft": {V, NF, IS},
    "sendEmail": {V, NF, IS, IC, RS},
    "retryEmail": {V, NF, IS, RS},
    "cancelSend": {V, NF, IS, SP},
    "setDailySendCap": {V, NF},
    "acknowledgeSenderWarning": {V, NF},
    "connectMailAccount": {V},
    "disconnectMailAccount": {V, NF, IS},
    "suppressAddress": {V},
    "unsuppressAddress": {V},
    "linkBounce": {V, NF, IS},
    "unlinkBounce": {V, NF, IS},
    "registerContextType": {V},
    "putContextEntity": {V, NF},
    "createEmailTemplate": {V, NF},
    "updateEmailTemplate": {V, NF},
    "deleteEmailTemplate": {V, NF},
    "updateContentSettings": {V},
    "createWebhookEndpoint": {V},
    "updateWebhookEndpoint": {V, NF},
    "deleteWebhookEndpoint": {V, NF},
    "rotateWebhookEndpointSecret": {V, NF},
    "redeliverWebhooks": {V, NF},
    "createClientToken": {V},
    "createApiToken": {V},
    "revokeApiToken": {V, NF},
}
# unscheduleDraft answers DraftResult, a contract name it shares with createDraft and updateDraft
# (tests/api/test_schema.py): the union holds RecipientSuppressedError, which it never returns.
SHARED_UNION_EXTRAS = {"unscheduleDraft": {RS}}


@functools.cache
def _published() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_FILE.read_text())


def _union_errors(schema: graphql.GraphQLSchema, mutation: str) -> set[str]:
    field = schema.mutation_type.fields[mutation]  # type: ignore[union-attr]
    union = graphql.get_named_type(field.type)
    assert isinstance(union, graphql.GraphQLUnionType), mutation
    return {t.name for t in union.types if "MutationError" in {i.name for i in t.interfaces}}


def _resolvers() -> dict[str, Any]:
    schema = build_schema()
    mutation = schema.get_type_by_name("Mutation")
    return {
        schema.config.name_converter.get_graphql_name(field): field.base_resolver.wrapped_func  # type: ignore[union-attr]
        for field in mutation.fields  # type: ignore[union-attr]
    }


def test_the_table_names_every_mutation() -> None:
    schema = _published()
    assert set(schema.mutation_type.fields) == set(ERRORS_BY_MUTATION)  # type: ignore[union-attr]


@pytest.mark.parametrize("mutation", sorted(ERRORS_BY_MUTATION))
def test_the_union_lists_exactly_the_errors_in_the_table(mutation: str) -> None:
    schema = _published()
    expected = ERRORS_BY_MUTATION[mutation] | SHARED_UNION_EXTRAS.get(mutation, set())
    assert _union_errors(schema, mutation) == expected


def test_the_code_paths_return_exactly_the_errors_in_the_table() -> None:
    derived = {}
    for mutation, resolver in _resolvers().items():
        derived[mutation] = {member_type(code).__name__ for code in codes_raised(resolver)}
    mismatched = {
        name: {"table": sorted(ERRORS_BY_MUTATION[name]), "code path": sorted(found), "why": where_raised(resolver)}
        for (name, found), resolver in zip(derived.items(), _resolvers().values(), strict=True)
        if found != ERRORS_BY_MUTATION[name]
    }
    assert not mismatched


def test_the_walk_finds_errors_raised_deep_in_the_domain() -> None:
    """The derivation is not vacuous: codes raised several calls down are found, and their route named."""
    resolvers = _resolvers()
    found = where_raised(resolvers["createDraft"])
    assert ErrorCode.RECIPIENT_SUPPRESSED in found  # domain.drafts.create_draft -> suppression.check_not_suppressed
    assert "check_not_suppressed" in found[ErrorCode.RECIPIENT_SUPPRESSED]
    assert ErrorCode.SEND_IN_PROGRESS in codes_raised(resolvers["cancelSend"])
    assert ErrorCode.SEND_IN_PROGRESS not in codes_raised(resolvers["sendEmail"])
    # a function imported inside the resolver (workers.connect) is followed too
    assert ErrorCode.ACCOUNT_NOT_ACTIVE in codes_raised(resolvers["disconnectMailAccount"])


def test_code_is_an_enum_of_every_domain_error_code() -> None:
    schema = _published()
    for name in ("MutationError", *{t for errors in ERRORS_BY_MUTATION.values() for t in errors}):
        code = schema.get_type(name).fields["code"].type  # type: ignore[union-attr]
        assert str(code) == "MutationErrorCode!", name
    codes = schema.get_type("MutationErrorCode")
    assert isinstance(codes, graphql.GraphQLEnumType)
    assert set(codes.values) == {code.value for code in ErrorCode}
    assert all(value.description for value in codes.values.values())


def test_an_error_outside_the_union_is_a_bug_not_a_mistyped_answer() -> None:
    from api.webhooks import CreateResult

    with pytest.raises(TypeError, match="not part of this mutation's result union"):
        member_of(DomainError(ErrorCode.NOT_FOUND, "webhook endpoint not found"), CreateResult)
    member = member_of(DomainError(ErrorCode.URL_NOT_ALLOWED, "private address", "url"), CreateResult)
    assert isinstance(member, ValidationError) and isinstance(member, MutationError)
    assert (member.code, member.field) == (ErrorCode.URL_NOT_ALLOWED, "url")


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant(f"errors-{uuid.uuid4().hex[:8]}")


ERROR = "__typename ... on MutationError { code message field }"


async def test_a_scheduled_draft_to_a_suppressed_address_answers_recipient_suppressed(client, tenant) -> None:
    suppressed = await gql(
        client,
        f'mutation {{ suppressAddress(email: "gone@example.org") {{ {ERROR} }} }}',
        token=tenant.token,
    )
    assert suppressed["data"]["suppressAddress"]["__typename"] == "AddressSuppressed"
    planned = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    draft = {
        "accountId": str(tenant.account_id),
        "to": ["gone@example.org"],
        "subject": "s",
        "bodyText": "b",
        "plannedSendAt": planned,
    }
    query = f"""mutation($input: DraftInput!) {{ createDraft(input: $input) {{
        {ERROR} ... on RecipientSuppressedError {{ addresses }} }} }}"""
    body = await gql(client, query, {"input": draft}, tenant.token)
    result = body["data"]["createDraft"]
    assert (result["__typename"], result["code"]) == ("RecipientSuppressedError", "RECIPIENT_SUPPRESSED")
    assert result["addresses"] == ["gone@example.org"]


async def test_retrying_an_email_that_did_not_fail_answers_invalid_state(client, tenant) -> None:
    draft = {"accountId": str(tenant.account_id), "to": ["a@example.org"], "subject": "s", "bodyText": "b"}
    created = await gql(
        client,
        "mutation($input: DraftInput!) { createDraft(input: $input) { ... on DraftSaved { outboundEmail { id } } } }",
        {"input": draft},
        tenant.token,
    )
    email_id = created["data"]["createDraft"]["outboundEmail"]["id"]
    body = await gql(
        client, f"mutation($id: ID!) {{ retryEmail(id: $id) {{ {ERROR} }} }}", {"id": email_id}, tenant.token
    )
    result = body["data"]["retryEmail"]
    assert (result["__typename"], result["code"]) == ("InvalidStateError", "ILLEGAL_TRANSITION")


async def test_deleting_a_webhook_endpoint_by_a_malformed_id_answers_a_validation_error(client, tenant) -> None:
    query = f'mutation {{ deleteWebhookEndpoint(id: "not-a-uuid") {{ {ERROR} }} }}'
    result = (await gql(client, query, token=tenant.token))["data"]["deleteWebhookEndpoint"]
    assert (result["__typename"], result["code"], result["field"]) == ("ValidationError", "INVALID_INPUT", "id")
    missing = f'mutation {{ deleteWebhookEndpoint(id: "{uuid.uuid4()}") {{ {ERROR} }} }}'
    result = (await gql(client, missing, token=tenant.token))["data"]["deleteWebhookEndpoint"]
    assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND")


async def test_a_spread_on_an_error_a_mutation_cannot_return_is_refused(client, tenant) -> None:
    query = 'mutation { suppressAddress(email: "x@example.org") { ... on NotFoundError { code } } }'
    body = await gql(client, query, token=tenant.token)
    assert "can never be of type" in body["errors"][0]["message"]
