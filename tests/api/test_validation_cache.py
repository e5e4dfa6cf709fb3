"""api.documents: a document is validated once while it stays parsed, and its errors stay its own."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

import pytest

from api import documents
from tests.factories import Tenant, gql, make_tenant


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant(f"validated{uuid.uuid4().hex[:6]}")


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first field name of each document validated (calling through), from an empty cache."""
    monkeypatch.setattr(documents, "validated", OrderedDict())
    seen: list[str] = []
    validate = documents.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document.definitions[0].selection_set.selections[0].name.value)
        return validate(schema, document, rules)

    monkeypatch.setattr(documents, "validate_document", counted)
    return seen


async def test_a_repeated_query_is_validated_once(client, tenant, validations) -> None:
    query = "{ mailAccounts { id } __typename }"
    bodies = [await gql(client, query, None, tenant.token) for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2] and len(bodies[0]["data"]["mailAccounts"]) == 1
    other = await gql(client, "{ __typename mailAccounts { id } }", None, tenant.token)
    assert other["data"] == bodies[0]["data"]
    assert validations == ["mailAccounts", "__typename"]


async def test_an_invalid_query_reports_its_errors_every_time(client, tenant, validations) -> None:
    query = "{ mailAccounts { nope } }"
    bodies = [await gql(client, query, None, tenant.token) for _ in range(2)]
    assert bodies[0] == bodies[1]
    assert "Cannot query field 'nope'" in bodies[0]["errors"][0]["message"]
    assert "data" not in bodies[0] or bodies[0]["data"] is None


async def test_a_document_the_cache_no_longer_holds_is_validated_anew(client, tenant, validations) -> None:
    query = "{ suppressedAddresses { address } }"
    await gql(client, query, None, tenant.token)
    documents.validated.clear()
    await gql(client, query, None, tenant.token)
    assert validations == ["suppressedAddresses", "suppressedAddresses"]
