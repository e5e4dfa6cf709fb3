"""api.documents.CheckedDocuments answers every document as Strawberry's four extensions did.

ParserCache, ValidationCache, MaxTokensLimiter and AddValidationRules on one schema, the merged
extension on a twin: valid and invalid documents, a syntax error, one over the token limit, one
over the depth rule, each run twice (the second from the caches), give the same results.
"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from api.documents import CheckedDocuments


@strawberry.type
class Node:
    name: str

    @strawberry.field
    def child(self) -> Node:
        return Node(name=self.name + "+")


@strawberry.type
class Query:
    @strawberry.field
    def node(self, name: str) -> Node:
        return Node(name=name)


RULES = list(QueryDepthLimiter(max_depth=3).validation_rules)
TOKENS = 40
STRAWBERRYS = strawberry.Schema(
    query=Query,
    extensions=[
        lambda: AddValidationRules(RULES),
        lambda: MaxTokensLimiter(max_token_count=TOKENS),
        lambda: ParserCache(maxsize=8),
        lambda: ValidationCache(maxsize=8),
    ],
)
OURS = strawberry.Schema(query=Query, extensions=[lambda: CheckedDocuments(RULES, max_token_count=TOKENS)])
DOCUMENTS = {
    "valid": 'query { node(name: "a") { name child { name } } }',
    "variables": "query($n: String!) { node(name: $n) { name } }",
    "unknown field": 'query { node(name: "a") { nope } }',
    "missing argument": "query { node { name } }",
    "syntax error": 'query { node(name: "a") { name }',
    "too many tokens": "query { " + " ".join(f'a{i}: node(name: "x") {{ name }}' for i in range(10)) + " }",
    "too deep": 'query { node(name: "a") { child { child { child { child { name } } } } } }',
}


def outcome(result: Any) -> tuple[Any, ...]:
    errors = [(e.message, e.path, [(loc.line, loc.column) for loc in e.locations or ()]) for e in result.errors or ()]
    return result.data, errors


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
async def test_a_document_gets_the_same_answer_from_the_merged_extension(name: str) -> None:
    for _ in range(2):  # parsed and validated, then from the caches
        theirs = await STRAWBERRYS.execute(DOCUMENTS[name], variable_values={"n": "v"})
        ours = await OURS.execute(DOCUMENTS[name], variable_values={"n": "v"})
        assert outcome(ours) == outcome(theirs)
    assert bool(ours.errors) == (name not in ("valid", "variables"))
