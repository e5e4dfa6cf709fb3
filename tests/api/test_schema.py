"""The published schema matches the code, and abusive or broken operations are contained."""

from __future__ import annotations

import re
from pathlib import Path

import graphql
import pytest

from api.schema import build_schema
from tests.factories import Tenant, gql, make_tenant

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_exported_from_the_code() -> None:
    exported = str(build_schema()) + "\n"
    assert SCHEMA_FILE.read_text() == exported, "schema.graphql drifted: run `make schema`"


def without_descriptions(sdl: str) -> str:
    """The schema printed without its descriptions, so each signature sits on one line again."""
    return graphql.print_ast(graphql.parse(re.sub(r'"""(?:.|\n)*?"""\s*', "", sdl)))


def test_contract_names_are_in_the_schema() -> None:
    sdl = without_descriptions(SCHEMA_FILE.read_text())
    for name in (
        "outboundEmail(id: ID!): OutboundEmail",
        "outboundEmails(filter: OutboundEmailFilter = null, first: Int = 20, after: String = null): OutboundEmailConnection!",
        "mailAccounts: [MailAccount!]!",
        "createDraft(input: DraftInput!): DraftResult!",
        "updateDraft(id: ID!, input: DraftPatch!): DraftResult!",
        "deleteDraft(id: ID!): DeleteDraftResult!",
        "unscheduleDraft(id: ID!): DraftResult!",
        "interface MutationError",
        "BOUNCE_DETECTED",
    ):
        assert name in sdl, name
    schedule = graphql.build_schema(sdl).mutation_type.fields["scheduleDraft"]  # type: ignore[union-attr]
    assert [(name, str(arg.type)) for name, arg in schedule.args.items()][:2] == [
        ("id", "ID!"),
        ("plannedSendAt", "DateTime!"),
    ]  # optional arguments may follow


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


async def test_too_many_aliases_are_refused(client, tenant) -> None:
    aliases = " ".join(f"x{i}: mailAccounts {{ id }}" for i in range(40))
    body = await gql(client, "{ " + aliases + " }", token=tenant.token)
    assert "aliases" in body["errors"][0]["message"].lower()
    assert body.get("data") is None


async def test_too_many_tokens_are_refused(client, tenant) -> None:
    query = "{ mailAccounts { " + " ".join(["id"] * 5000) + " } }"
    body = await gql(client, query, token=tenant.token)
    assert "token" in body["errors"][0]["message"].lower()


async def test_query_depth_is_capped(app, tenant) -> None:
    schema = build_schema(app.state.services.settings.model_copy(update={"max_query_depth": 2}))
    result = await schema.execute("{ outboundEmails { edges { node { account { id } } } } }")
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


async def test_unexpected_errors_are_masked(client, tenant, db) -> None:
    import psycopg

    with psycopg.connect(db) as conn:  # a row our code cannot render: an unknown status
        conn.execute(
            """INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject, status,
               allow_suppressed, attempt_count, created_at, updated_at)
               VALUES (gen_random_uuid(), %s, %s, 'a@x.com', '[]', '[]', '[]', 's', 'BOGUS', false, 0, now(), now())""",
            (tenant.organization_id, tenant.account_id),
        )
    body = await gql(client, "{ outboundEmails { edges { node { id status } } } }", token=tenant.token)
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "BOGUS" not in str(body)
