"""Queries completed without graphql-core's per-field machinery, or else by graphql-core itself.

A 100-email page is several thousand fields. graphql-core completes each through the same path
(a GraphQLResolveInfo, a Path, a resolver call, awaitable checks, an executor frame per list
item), and Strawberry adds its own wrapper: together about two thirds of the page's CPU, more than
the SQL and the HTTP. Most of those fields are plain attributes of an object already built.

`LeanQuery` runs an eligible query operation with graphql-core's own parts (its field collection,
so fragments, aliases, `@skip`/`@include` and field merging are graphql-core's; its argument
coercion; its resolve info; each type's `coerce_output_value`) but drives them in one tight loop:
a plain Strawberry field (no resolver, no extension) is read with its own resolver and no info;
every other field gets a real info and its arguments, exactly as graphql-core would build them.
Awaitables are collected level by level and settled together (`settle`: the coroutines stepped
by the executing task itself, not a Task each), so DataLoaders batch exactly as they do under
graphql-core (one statement per loader per level). Types whose instances are never awaitable say
so (`never_awaitable`), sparing graphql-core's `hasattr(value, "__await__")` per value.

The lean loop never produces an error itself. Anything that would make graphql-core report one
(a resolver raising, null for a non-null field, a value a scalar refuses, a non-list for a list)
raises `Fallback`, and the whole operation is executed again by graphql-core, which produces the
errors, the partial data and the null propagation it always did. Queries only, so running a
resolver twice is safe; DataLoader caches of the request are reused. Operations it cannot run
exactly (mutations, subscriptions, introspection, abstract types, types with `is_type_of`, any
directive other than `@skip`/`@include`, field middleware) go to graphql-core straight away.
tests/api/test_lean.py checks the two paths agree on generated selections.

Its parts: `api.lean_shape` (which operations it runs), `api.lean_fields` (how one field is read),
`api.settle` (a level's awaitables settled on the executing task).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet, collect_fields
from graphql.execution.executor import Executor, to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable
from graphql.type.introspection import TypeNameMetaFieldDef as TYPENAME

from api.lean_fields import SAFE, Complete, Step, direct_call, plain_read
from api.settle import Fallback, settle

Pending = list[tuple[Awaitable[Any], Callable[[Any], None]]]


class LeanQuery:
    """One execution of an eligible query on `executor`'s parsed operation, variables and context."""

    def __init__(self, executor: Executor[Any]) -> None:
        self.executor = executor
        self.schema = executor.schema
        self.is_awaitable = executor.is_awaitable
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        self.info_class: type[Any] | None = strawberry_schema.config.info_class if strawberry_schema else None
        self.pending: Pending = []
        self.plans: dict[int, tuple[GroupedFieldSet, list[Step]]] = {}
        self.completers: dict[tuple[int, int], tuple[Any, Complete]] = {}

    async def run(self) -> ExecutionResult:
        """The operation's result; raises Fallback where graphql-core must run it instead."""
        executor = self.executor
        root_type = self.schema.query_type
        assert root_type is not None  # lean_shape checked it
        grouped, defer_usages, _ = collect_fields(
            self.schema,
            executor.fragments,
            executor.variable_values,
            root_type,
            executor.operation,
            executor.hide_suggestions,
        )
        if defer_usages:
            raise Fallback
        data: dict[str, Any] = {}
        try:
            self.fields(root_type, executor.root_value, None, grouped, data)
            while self.pending:
                level, self.pending = self.pending, []
                values = await settle([awaitable for awaitable, _ in level])
                for (_, fill), value in zip(level, values, strict=True):
                    if isinstance(value, BaseException):
                        raise Fallback from value
                    fill(value)
        except BaseException:
            self.discard()
            raise
        finally:
            self.forget()
        return executor.build_response(data)  # type: ignore[return-value]

    def forget(self) -> None:
        """Drop the plans: their completers call back into this object, a reference cycle that would
        keep it, the executor and the request's context (its loaders, their rows) for the cycle
        collector to find, instead of freeing them when the request ends."""
        self.plans.clear()
        self.completers.clear()

    def discard(self) -> None:
        """Close what was started but will not be awaited (no "never awaited" warnings)."""
        for awaitable, _ in self.pending:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            elif isinstance(awaitable, asyncio.Future):
                awaitable.cancel()
        self.pending = []

    def plan(self, parent: GraphQLObjectType, grouped: GroupedFieldSet) -> list[Step]:
        """The steps of one selection on `parent` (graphql-core memoises `grouped` per selection)."""
        entry = self.plans.get(id(grouped))
        if entry is not None:
            return entry[1]
        steps = []
        for key, details in grouped.items():
            name = details[0].node.name.value
            if name == "__typename":
                steps.append(Step(key, TYPENAME, details, constant(parent.name), None, _same, True))
                continue
            field = parent.fields.get(name)
            if field is None:
                continue
            named = get_named_type(field.type)
            read = plain_read(field)
            call = None if read is not None else direct_call(field, self.info_class)
            complete = self.completer(field.type, details)
            steps.append(Step(key, field, details, read, call, complete, is_leaf_type(named)))
        self.plans[id(grouped)] = (grouped, steps)
        return steps

    def fields(
        self, parent: GraphQLObjectType, source: Any, path: Path | None, grouped: GroupedFieldSet, out: dict[str, Any]
    ) -> None:
        is_awaitable = self.is_awaitable
        for step in self.plan(parent, grouped):
            key = step.key
            field_path = None if step.leaf and step.read is not None else Path(path, key, parent.name)
            if step.read is not None:
                value = step.read(source)
                if value.__class__ in SAFE or not is_awaitable(value):
                    out[key] = step.complete(value, field_path)  # type: ignore[arg-type]
                    continue
            else:
                field_path = field_path or Path(path, key, parent.name)
                if step.call is not None:
                    info = self.executor.build_resolve_info(step.field, to_nodes(step.details), parent, field_path)
                    value = step.call(source, info)
                else:
                    value = self.resolve(step.field, parent, source, field_path, step.details)
                if not is_awaitable(value):
                    out[key] = step.complete(value, field_path)
                    continue
            out[key] = None
            self.pending.append((value, self._filler(out, key, step.complete, field_path)))

    def resolve(
        self, field: GraphQLField, parent: GraphQLObjectType, source: Any, path: Path, details: FieldDetailsList
    ) -> Any:
        executor = self.executor
        node = details[0].node
        info = executor.build_resolve_info(field, to_nodes(details), parent, path)
        args = (
            get_argument_values(
                field,
                node,
                executor.variable_values,
                details[0].fragment_variable_values,
                executor.hide_suggestions,
            )
            if field.args or node.arguments
            else {}
        )
        return (field.resolve or executor.field_resolver)(source, info, **args)

    @staticmethod
    def _filler(out: dict[str, Any], key: str, complete: Complete, path: Path | None) -> Callable[[Any], None]:
        def fill(value: Any) -> None:
            out[key] = complete(value, path)  # type: ignore[arg-type]

        return fill

    def completer(self, kind: GraphQLOutputType, details: FieldDetailsList) -> Complete:
        """`complete_value` of graphql-core for one type, specialised once; Fallback where it would report an error."""
        cache_key = (id(kind), id(details))
        cached = self.completers.get(cache_key)
        if cached is not None:
            return cached[1]
        complete = self._completer(kind, details)
        self.completers[cache_key] = ((kind, details), complete)
        return complete

    def _completer(self, kind: GraphQLOutputType, details: FieldDetailsList) -> Complete:
        if is_non_null_type(kind):
            inner = self.completer(kind.of_type, details)

            def non_null(value: Any, path: Path) -> Any:
                completed = inner(value, path)
                if completed is None:
                    raise Fallback
                return completed

            return non_null
        if is_list_type(kind):
            item = self.completer(kind.of_type, details)
            is_awaitable = self.is_awaitable

            def listed(value: Any, path: Path) -> Any:
                if value is None or value is Undefined:
                    return None
                # A list passes graphql-core's is_iterable (isinstance against two ABC tuples) at once.
                if value.__class__ is not list and (isinstance(value, Exception) or not is_iterable(value)):
                    raise Fallback
                items = []
                for index, element in enumerate(value):
                    if element.__class__ not in SAFE and is_awaitable(element):
                        raise Fallback
                    items.append(item(element, Path(path, index, None) if path is not None else None))
                return items

            return listed
        if is_leaf_type(kind):
            coerce = kind.coerce_output_value

            def leaf(value: Any, _path: Path) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, Exception):
                    raise Fallback
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise Fallback
                return coerced

            return leaf
        if is_object_type(kind) and kind.is_type_of is None:
            executor = self.executor
            object_type = kind

            def obj(value: Any, path: Path) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, Exception):
                    raise Fallback
                grouped, defer_usages, _ = executor.collect_subfields(object_type, details)
                if defer_usages:
                    raise Fallback
                out: dict[str, Any] = {}
                self.fields(object_type, value, path, grouped, out)
                return out

            return obj

        def other(value: Any, _path: Path) -> Any:
            raise Fallback

        return other


def _same(value: Any, _path: Path) -> Any:
    return value


def constant(value: str) -> Callable[[Any], str]:
    """`__typename`: the parent type's name, whatever the object."""
    return lambda _source: value
