"""A page reads only the columns its selection needs (api/page_columns.py) and answers the same."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest
from sqlalchemy import event

from api.page_columns import NODE_COLUMNS, page_columns
from tests.factories import Tenant, gql, make_tenant

ROOT = Path(__file__).resolve().parents[2]
EMAIL = graphql.build_schema((ROOT / "schema.graphql").read_text()).type_map["OutboundEmail"]
CREATE = """mutation($input: DraftInput!) { createDraft(input: $input) {
  ... on DraftSaved { outboundEmail { id } } ... on MutationError { code } } }"""


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


def selection(name: str) -> str:
    """The field, with `__typename` below it when it is an object (enough to run its resolver)."""
    named = graphql.get_named_type(EMAIL.fields[name].type)  # type: ignore[attr-defined]
    return f"{name} {{ __typename }}" if isinstance(named, graphql.GraphQLObjectType) else name


def test_every_field_of_an_email_says_which_columns_it_reads() -> None:
    assert set(EMAIL.fields) <= set(NODE_COLUMNS), set(EMAIL.fields) - set(NODE_COLUMNS)  # type: ignore[attr-defined]


async def test_each_field_alone_on_a_page_answers_what_the_whole_row_answers(client, app, tenant) -> None:
    for i, extra in enumerate([{}, {"cc": ["c@example.com"], "bodyHtml": "<p>x</p>", "contextType": "invoice"}]):
        data = {"accountId": str(tenant.account_id), "to": ["a@example.com"], "subject": f"#{i}", **extra}
        body = await gql(client, CREATE, {"input": data}, tenant.token)
        assert body["data"]["createDraft"]["outboundEmail"]["id"]
    statements: list[str] = []
    engine = app.state.services.engine.sync_engine

    def keep(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    for name in EMAIL.fields:  # type: ignore[attr-defined]
        statements.clear()
        event.listen(engine, "before_cursor_execute", keep)
        try:
            page = await gql(
                client,
                f"{{ outboundEmails(first: 5) {{ edges {{ node {{ id {selection(name)} }} }} }} }}",
                {},
                tenant.token,
            )
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        assert "errors" not in page, (name, page)
        (listing,) = [s for s in statements if "ORDER BY outbound_email.created_at DESC" in s]
        assert "outbound_email.body_text" not in listing or name == "bodyText", (name, listing)
        for edge in page["data"]["outboundEmails"]["edges"]:
            one = await gql(
                client,
                f"query($id: ID!) {{ outboundEmail(id: $id) {{ id {selection(name)} }} }}",
                {"id": edge["node"]["id"]},
                tenant.token,
            )
            assert edge["node"] == one["data"]["outboundEmail"], name


def columns_of(document: str) -> tuple[str, ...] | None:
    parsed = graphql.parse(document)
    operation = parsed.definitions[0]
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, graphql.FragmentDefinitionNode)}
    return page_columns(list(operation.selection_set.selections), fragments)  # type: ignore[attr-defined]


def test_fragments_and_skipped_fields_count_and_an_unknown_field_reads_every_column() -> None:
    document = """{ outboundEmails { edges { ... on OutboundEmailEdge { node { subject ...F } } }
      edges { node { sentAt @skip(if: true) } } } }
      fragment F on OutboundEmail { account { id } }"""
    assert columns_of(document) == ("account_id", "created_at", "id", "sent_at", "subject")
    assert columns_of("{ outboundEmails { totalCount } }") == ("created_at", "id")
    assert columns_of("{ outboundEmails { edges { node { someNewField } } } }") is None
