"""Which query operations the lean path (api.lean) runs exactly: their shape, cached per document."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_object_type,
)
from graphql.execution.executor import Executor

PLAIN_DIRECTIVES = frozenset({"skip", "include"})


def is_plain(resolve: Any) -> bool:
    """Strawberry's resolver for a field without resolver or extensions: it reads the attribute, ignoring info."""
    return getattr(resolve, "_is_default", False) and getattr(resolve, "__name__", "") == "_get_basic_result"


def _directives_plain(node: Any) -> bool:
    return all(d.name.value in PLAIN_DIRECTIVES for d in node.directives or ())


def lean_shape(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
    """Whether every selection of the operation (skipped ones too) is one the lean loop runs exactly."""
    if operation.operation != OperationType.QUERY or operation.directives or schema.query_type is None:
        return False
    seen: set[str] = set()

    def walk(selections: SelectionSetNode, parent: GraphQLObjectType) -> bool:
        for node in selections.selections:
            if not _directives_plain(node):
                return False
            if isinstance(node, FieldNode):
                name = node.name.value
                if name == "__typename":
                    continue
                field = parent.fields.get(name)
                if field is None:
                    return False
                named = get_named_type(field.type)
                if is_abstract_type(named) or (is_object_type(named) and named.is_type_of is not None):
                    return False
                if node.selection_set is not None and not (is_object_type(named) and walk(node.selection_set, named)):
                    return False
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is not None and node.type_condition.name.value != parent.name:
                    return False
                if not walk(node.selection_set, parent):
                    return False
            elif isinstance(node, FragmentSpreadNode):
                fragment = fragments.get(node.name.value)
                if not isinstance(fragment, FragmentDefinitionNode):
                    return False
                if fragment.type_condition.name.value != parent.name:
                    return False
                if node.name.value not in seen:
                    seen.add(node.name.value)
                    if not walk(fragment.selection_set, parent):
                        return False
        return True

    return walk(operation.selection_set, schema.query_type)


class ShapeCache:
    """`lean_shape` per (document text, operation name), bounded like the parser cache."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[str, str | None], bool] = OrderedDict()

    def allows(self, executor: Executor[Any]) -> bool:
        operation = executor.operation
        middleware = executor.middleware_manager
        if (middleware is not None and middleware.middlewares) or executor.abort_signal is not None:
            return False
        fragments = executor.fragment_definitions
        if operation.loc is None:
            return lean_shape(executor.schema, operation, fragments)
        key = (operation.loc.source.body, operation.name.value if operation.name else None)
        allowed = self.entries.get(key)
        if allowed is None:
            allowed = lean_shape(executor.schema, operation, fragments)
            self.entries[key] = allowed
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return allowed


SHAPES = ShapeCache()
