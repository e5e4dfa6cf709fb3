"""Each GraphQL document parsed and validated once per process, by one schema extension.

Strawberry's ParserCache, ValidationCache, MaxTokensLimiter and AddValidationRules did this as
four extensions. Strawberry builds every extension anew for each request and, for each of its
four hooks, asks each extension for the hook and enters what it finds: three extensions fewer
are a dozen hook look-ups and three objects less per request. What is done is theirs, in their
order: the token limit and the extra rules set as the operation starts, the document parsed
(`graphql.parse`, with that limit) and validated (`strawberry.schema.schema.validate_document`,
as ValidationCache calls it) through LRU caches shared by every request, the validations keyed by
the parsed document's identity (`validated`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHED_DOCUMENTS = 256
"""Distinct query texts kept parsed, and (with their rules) validated."""

_parse = lru_cache(maxsize=CACHED_DOCUMENTS)(parse)
Validated = tuple[GraphQLSchema, DocumentNode, list[GraphQLError]]
validated: OrderedDict[Hashable, Validated] = OrderedDict()
"""Each document's validation, keyed by the identities of its schema and parsed document and by
its rules. ValidationCache's lru_cache hashed the document, a frozen dataclass whose hash walks
every node of its tree: about 3% of a 100-email page's instructions, every request. `_parse`
hands out the same document object for the same text, so its identity serves as well. Each entry
holds its schema and document, so their ids cannot be reused while it lives; a text parsed anew
(fallen out of the parser cache) is validated anew. Errors are shared between requests, as
ValidationCache shares them."""


def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    key = (id(schema), id(document), rules)
    entry = validated.get(key)
    if entry is None:
        entry = validated[key] = (schema, document, validate_document(schema, document, rules))
        if len(validated) > CACHED_DOCUMENTS:
            validated.popitem(last=False)
    else:
        validated.move_to_end(key)
    return entry[2]


class CheckedDocuments(SchemaExtension):
    """ParserCache + ValidationCache + MaxTokensLimiter + AddValidationRules (module docstring)."""

    def __init__(self, validation_rules: Sequence[type[ASTValidationRule]], max_token_count: int) -> None:
        self.validation_rules = tuple(validation_rules)
        self.max_token_count = max_token_count

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_token_count
        context.validation_rules = context.validation_rules + self.validation_rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        # The graphql-core schema, as ValidationCache passes it (Strawberry keeps it in `_schema`).
        assert context.graphql_document is not None  # validation runs on a parsed document
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        )
        yield
