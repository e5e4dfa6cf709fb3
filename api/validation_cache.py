"""Validation results cached by the parsed document's identity (Strawberry's ValidationCache, cheaper)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

Entry = tuple[GraphQLSchema, DocumentNode, list[GraphQLError]]


class DocumentValidationCache(SchemaExtension):
    """Strawberry's ValidationCache, keyed by the identity of the parsed document, not its value.

    ValidationCache is an lru_cache over (schema, document, rules), and a parsed document is a
    frozen dataclass whose hash walks every node of its tree: about 3% of a 100-email page's
    instructions, every request. ParserCache (which runs first) hands out the same document
    object for the same text, so its identity serves as well. Each entry holds its schema and
    document, so their ids cannot be reused while it lives; a text parsed anew (fallen out of
    the parser cache) is validated anew. Errors are shared between requests, as ValidationCache
    shares them.
    """

    entries: OrderedDict[Hashable, Entry] = OrderedDict()
    """Shared by every request (each gets its own extension instance)."""

    def __init__(self, maxsize: int = 256, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema, document, rules = context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        assert document is not None  # validation runs on a parsed document
        key = (id(schema), id(document), rules)
        entries = self.entries
        entry = entries.get(key)
        if entry is None:
            entry = (schema, document, validate_document(schema, document, rules))
            entries[key] = entry
            if len(entries) > self.maxsize:
                entries.popitem(last=False)
        else:
            entries.move_to_end(key)
        context.pre_execution_errors = entry[2]
        yield
