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
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
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
from strawberry.types.info import Info

PLAIN_DIRECTIVES = frozenset({"skip", "include"})


class Fallback(Exception):
    """graphql-core must run this operation: it has an error to report, or a shape only it handles."""


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
Pending = list[tuple[Awaitable[Any], Callable[[Any], None]]]


Complete = Callable[[Any, Path], Any]
"""Turns a resolved value into its part of the answer (the value, its path)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One field of a selection, prepared once per request and selection (not per object)."""

    key: str
    field: GraphQLField
    details: FieldDetailsList
    read: Callable[[Any], Any] | None
    """A plain field's attribute read; None for a field that needs its resolver, info and arguments."""
    call: Direct | None
    """A resolver without arguments, extensions or handlers, called as Strawberry would; None: `field.resolve`."""
    complete: Complete
    leaf: bool
    """Whether the field's value is a scalar or enum (or a list of them): no path needed below it."""


def plain_read(field: GraphQLField) -> Callable[[Any], Any] | None:
    """What Strawberry's resolver of a plain field does (`default_resolver(source, python_name)`), or None."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if field.resolve is None or not is_plain(field.resolve) or definition is None or definition.base_resolver:
        return None
    name: str = definition.python_name
    if definition.default_resolver is getattr:
        return attrgetter(name)
    default = definition.default_resolver
    return lambda source: default(source, name)


Direct = Callable[[Any, GraphQLResolveInfo[Any]], Any]
"""Calls a field's own resolver with its source and graphql-core's info."""


def _wrapper_free_of_handlers(resolve: Any) -> bool:
    """Whether `resolve` is Strawberry's resolver wrapper with no exception handler for its field."""
    if getattr(resolve, "__name__", "") not in ("_resolver", "_async_resolver"):
        return False
    captured = inspect.getclosurevars(resolve).nonlocals
    return "field_exception_handlers" in captured and not captured["field_exception_handlers"]


def direct_call(field: GraphQLField, info_class: type[Any] | None) -> Direct | None:
    """What Strawberry's wrapper does for a resolver without arguments, extensions or handlers, or None.

    The wrapper builds an `Info`, converts no arguments, finds no extension and calls the resolver
    with the source as `self` (or `root`/`parent`) and the Info as `info`; for an async resolver it
    also awaits the resolver's coroutine inside a coroutine of its own. The direct call returns the
    resolver's coroutine itself, which the lean loop awaits: the same value, one coroutine fewer.
    """
    definition = (field.extensions or {}).get("strawberry-definition")
    if info_class is not Info or definition is None or field.args or not _wrapper_free_of_handlers(field.resolve):
        return None
    resolver = definition.base_resolver
    if resolver is None or definition.extensions or definition.arguments or not callable(resolver.wrapped_func):
        return None
    func = resolver.wrapped_func
    takes_self = resolver.self_parameter is not None
    source_names = tuple(p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None)
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    if source_names:
        return None  # rare here; Strawberry's wrapper handles them
    if info_name is None:
        return (lambda source, _info: func(source)) if takes_self else (lambda _source, _info: func())
    if takes_self:
        return lambda source, info: func(source, **{info_name: Info(_raw_info=info, _field=definition)})
    return lambda _source, info: func(**{info_name: Info(_raw_info=info, _field=definition)})


SAFE = {str, int, float, bool, type(None), datetime, uuid.UUID, list}
"""Types whose values are never awaitable: no check needed (`never_awaitable` adds to them)."""

C = TypeVar("C", bound=type)


def never_awaitable(cls: C) -> C:
    """Declare that no instance of `cls` is awaitable, sparing the check per value.

    For a type with a `__getattr__` (rows converted lazily), graphql-core's check,
    `hasattr(value, "__await__")`, calls it and raises an AttributeError per value: a page
    checks two hundred of them. The declaration must hold: `cls` defines no `__await__` and its
    `__getattr__` never answers one.
    """
    assert not hasattr(cls, "__await__"), cls
    SAFE.add(cls)
    return cls


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
        return executor.build_response(data)  # type: ignore[return-value]

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
                if isinstance(value, Exception) or not is_iterable(value):
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


async def settle(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """Each awaitable's value (or exception), like `asyncio.gather(..., return_exceptions=True)`
    but without a Task per coroutine.

    A page's level holds a coroutine per email and field (`events`, `recipients`: two hundred),
    each waiting on a DataLoader future. gather wraps each in a Task: a creation, two loop
    callbacks and a wake-up each, a tenth of the page's CPU. Here the coroutines are stepped in
    turn until each waits on a future of this loop; this task then sleeps until any of those
    futures is done (a batch resolves all of its own at once), resumes the coroutines whose
    futures are done, and so on until all have returned. Every coroutine makes its loads before
    anything is awaited, so DataLoaders batch exactly as under gather; one coroutine waiting on
    another (a lock) is resumed as soon as its future is done, as a Task would be. Anything but a
    coroutine goes to gather as before; a coroutine that yields something other than a future of
    this loop is closed and reported as an error (the operation is then run by graphql-core).
    """
    results: list[Any] = [None] * len(awaitables)
    running: list[tuple[int, Any]] = []
    others: list[tuple[int, Awaitable[Any]]] = []
    for index, awaitable in enumerate(awaitables):
        if asyncio.iscoroutine(awaitable):
            running.append((index, awaitable))
        else:
            others.append((index, awaitable))
    gathered = asyncio.gather(*(awaitable for _, awaitable in others), return_exceptions=True) if others else None
    loop = asyncio.get_running_loop()
    waiting: list[tuple[int, Any, asyncio.Future[Any]]] = []
    wake: list[asyncio.Future[None]] = []

    def ready(_future: asyncio.Future[Any]) -> None:
        if wake and not wake[-1].done():
            wake[-1].set_result(None)

    try:
        while running or waiting:
            for index, coroutine in running:
                try:
                    future = coroutine.send(None)
                except StopIteration as stop:
                    results[index] = stop.value
                    continue
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as error:  # reported like gather's return_exceptions
                    results[index] = error
                    continue
                if future is None:  # a bare yield (`asyncio.sleep(0)`): resumed after one turn of the loop
                    future = loop.create_future()
                    loop.call_soon(future.set_result, None)
                elif not (asyncio.isfuture(future) and future.get_loop() is loop):
                    coroutine.close()
                    results[index] = Fallback(f"awaited {type(future).__name__}, not a future of this loop")
                    continue
                future._asyncio_future_blocking = False
                if not future.done():
                    future.add_done_callback(ready)
                waiting.append((index, coroutine, future))
            if waiting and not any(future.done() for _, _, future in waiting):
                wake.append(loop.create_future())
                await wake[-1]
            running = [(index, coroutine) for index, coroutine, future in waiting if future.done()]
            waiting = [entry for entry in waiting if not entry[2].done()]
    except BaseException:
        for _, coroutine, _future in waiting:
            coroutine.close()
        for _, coroutine in running:
            coroutine.close()
        if gathered is not None:
            gathered.cancel()
        raise
    if gathered is not None:
        for (index, _), value in zip(others, await gathered, strict=True):
            results[index] = value
    return results


def _same(value: Any, _path: Path) -> Any:
    return value


def constant(value: str) -> Callable[[Any], str]:
    """`__typename`: the parent type's name, whatever the object."""
    return lambda _source: value
