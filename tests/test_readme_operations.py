"""Every GraphQL operation the README shows is valid against the published schema."""

from __future__ import annotations

import re
from pathlib import Path

import graphql
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SCHEMA = graphql.build_schema((ROOT / "schema.graphql").read_text())


def readme_operations() -> list[str]:
    """The ```graphql blocks, the operations the shell block passes to `ask '...'`, and Python's `query = "..."`."""
    blocks = re.findall(r"```graphql\n(.*?)```", README, re.S)
    shell = re.findall(r"^ask '(.*?)'", README, re.S | re.M)
    python = re.findall(r'^\s+query = "(.*?)"$', README, re.M)
    return [*blocks, *shell, *python]


def test_the_readme_shows_operations_of_every_kind() -> None:
    kinds = {graphql.get_operation_ast(graphql.parse(op)).operation.value for op in readme_operations()}  # type: ignore[union-attr]
    assert kinds == {"query", "mutation", "subscription"}


@pytest.mark.parametrize("operation", readme_operations(), ids=lambda op: " ".join(op.split())[:50])
def test_the_operation_is_valid_against_schema_graphql(operation: str) -> None:
    errors = graphql.validate(SCHEMA, graphql.parse(operation))
    assert [e.message for e in errors] == []
