"""One GraphQL execution per event, shared by every subscriber that would receive the same bytes.

A change watched by a thousand dashboards used to be executed a thousand times: graphql-core runs a
subscription's selection set once per subscriber per event. Strawberry has no hook for sharing
that work, but graphql-core lets the schema choose its executor class, and every subscription
event goes through `Executor.execute_operation` on a per-event copy. `SharingExecutor` is that
seam: a subscription yields a `Delivery` (an event not yet turned into its root value), and the
executor renders it once per key

    (operation, rendering variables, scope, delivery identity)

keeping the result on the event's own shelf, where later subscribers of the same key take it.

- operation: the document's text and the operation's name (without a parsed location, the
  operation node itself: the shelf entry holds it, so its id cannot be reused while the entry lives);
- rendering variables: those the document uses anywhere except in the root field's arguments
  (`id`, `filter`, `since` choose *which* events a subscriber gets, never how one is rendered);
- scope: `context.sharing_key`, everything about the connection that can change what it may see
  (the organization; token scopes once they exist). A context without one never shares;
- delivery identity: the event and the cursor the update carries.

Subscribers sharing a key get the same `data` object (read-only from then on: it is only encoded)
and their own copy of the error list, which extensions may replace.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from copy import copy
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.executor import CollectedErrors, Executor
from graphql.language import ArgumentNode
from graphql.language.visitor import SKIP
from graphql.pyutils import Path, RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, _OperationContextAwareGraphQLResolveInfo

from api.lean import LeanQuery
from api.lean_shape import SHAPES

Shelf = dict[Hashable, tuple[OperationDefinitionNode, "asyncio.Future[ExecutionResult | None]"]]


@dataclass(frozen=True, slots=True)
class Delivery:
    """A subscription event, before it is turned into the root value its selection runs on."""

    identity: Hashable
    """With the document, the variables and the scope, this decides the bytes (the event, the cursor)."""
    shelf: Shelf
    """Results rendered for this event, shared; it lives as long as the event's snapshot."""
    root: Callable[[], AbstractAsyncContextManager[Any]]
    """Opens what rendering needs (a database session) and gives the root value."""


class _RenderingVariables(Visitor):
    def __init__(self, skipped: set[int]) -> None:
        super().__init__()
        self.skipped = skipped
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> Any:
        return SKIP if id(node) in self.skipped else None

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        self.names.add(node.name.value)


def rendering_variables(operation: OperationDefinitionNode, fragments: list[Any]) -> set[str]:
    """Names of the variables that can change how an event renders (see the module's docstring)."""
    selections = operation.selection_set.selections
    root = selections[0] if len(selections) == 1 and isinstance(selections[0], FieldNode) else None
    visitor = _RenderingVariables({id(a) for a in root.arguments or ()} if root is not None else set())
    visit(operation.selection_set, visitor)
    if operation.directives:
        for directive in operation.directives:
            visit(directive, visitor)
    for fragment in fragments:
        visit(fragment, visitor)
    return visitor.names


def own_copy(result: ExecutionResult) -> ExecutionResult:
    """A subscriber's own result: shared data, its own error list (masking replaces errors in it)."""
    return ExecutionResult(result.data, list(result.errors) if result.errors else None, result.extensions)


class SubscriptionInfo(_OperationContextAwareGraphQLResolveInfo):
    """The resolve info of a subscription's root field, with the executor running it.

    The subscription resolver keeps it so that the hub can render events for it without the
    subscription's own task (api.fanout): `render(executor, delivery)`.
    """

    executor: SharingExecutor


def weak_helpers(executor: Executor[Any]) -> GraphQLResolveInfoHelpers:
    """graphql-core's resolve-info helpers of `executor` (`info.async_helpers`), holding it weakly.

    graphql-core gives each executor helpers that are its own bound methods (`Executor.__init__`),
    a reference cycle: the executor, its context and everything the operation reached (a page's
    loaders and rows) outlived the request until the cycle collector found them. These call the
    same methods while the operation runs; after it has ended they raise ReferenceError.
    """
    gather_ref = weakref.WeakMethod(executor.gather_async_work)
    track_ref = weakref.WeakMethod(executor.track_async_work)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        method = gather_ref()
        if method is None:
            raise ReferenceError("info.async_helpers used after its operation ended")
        return method(values)

    def track(values: Sequence[Any]) -> None:
        method = track_ref()
        if method is None:
            raise ReferenceError("info.async_helpers used after its operation ended")
        method(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


class MadeOnUse:
    """An executor's memo of `@defer` execution plans (a graphql-core RefMap), made when first used.

    graphql-core gives every executor two, and a subscription keeps its executor while it lasts; only
    `@defer` ever fills them, and a subscription cannot defer. A subscription's executor drops them
    (any other keeps its instance dict as graphql-core made it, for the attribute reads of its
    execution); made again only if used. Some 0.4 KB of each open subscription's memory.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, executor: Any, owner: type | None = None) -> Any:
        if executor is None:
            return self
        made: RefMap[Any, Any] = RefMap()
        executor.__dict__[self.name] = made  # found in the instance from now on
        return made


class SharingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, rendering each `Delivery` once per sharing key (module docstring)."""

    _initial_execution_plans = MadeOnUse()
    _deferred_execution_plans = MadeOnUse()

    _document_key: tuple[Hashable, ...] | None = None
    lean_queries: bool = True
    """Run eligible queries through api.lean (graphql-core runs them when this is False)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = weak_helpers(self)
        if self.operation.operation == OperationType.SUBSCRIPTION:  # kept while it lasts: MadeOnUse
            made = self.__dict__
            del made["_initial_execution_plans"], made["_deferred_execution_plans"]

    def build_resolve_info(
        self, field_def: GraphQLField, field_nodes: list[FieldNode], parent_type: GraphQLObjectType, path: Path
    ) -> GraphQLResolveInfo[Any]:
        info: Any = super().build_resolve_info(field_def, field_nodes, parent_type, path)
        if path.prev is None and self.operation.operation == OperationType.SUBSCRIPTION:
            if not isinstance(self.root_value, Delivery):  # the source stream's resolver, not an event
                info = SubscriptionInfo(*info)
                info.executor = self
        return info  # type: ignore[no-any-return]

    @property
    def sharing_key(self) -> tuple[Hashable, ...] | None:
        """What decides the bytes of an event's update besides the event (None: never shared)."""
        scope = getattr(self.context_value, "sharing_key", None)
        if scope is None or self._document_key is None:
            return None
        return (*self._document_key, scope)

    def build_per_event_executor(self, payload: Any) -> Any:
        self.learn_document_key()
        return super().build_per_event_executor(payload)

    def learn_document_key(self) -> None:
        """Once per subscription: every event's copy inherits it."""
        if self._document_key is None:
            operation = self.operation
            names = rendering_variables(operation, list(self.fragment_definitions.values()))
            coerced = self.variable_values.coerced
            used = json.dumps({n: coerced[n] for n in names if n in coerced}, sort_keys=True, default=repr)
            if operation.loc is not None:
                name = operation.name.value if operation.name else None
                self._document_key = (operation.loc.source.body, name, used)
            else:
                self._document_key = (id(operation), used)

    def execute_operation(self, serially: bool | None = None) -> Any:
        delivery = self.root_value
        if not isinstance(delivery, Delivery):
            if self.lean_queries and SHAPES.allows(self):
                return self._lean(serially)
            return super().execute_operation(serially)
        sharing_key = self.sharing_key
        if sharing_key is None:
            return self._render(delivery, serially)
        key = (*sharing_key, delivery.identity)
        entry = delivery.shelf.get(key)
        if entry is not None and entry[1].done():
            result = entry[1].result()
            if result is not None:
                return own_copy(result)
        return self._shared(delivery, key, serially)

    async def _lean(self, serially: bool | None) -> ExecutionResult:
        try:
            return await LeanQuery(self).run()
        except Exception:  # graphql-core reports it, exactly as it always did
            result = super().execute_operation(serially)
            if self.is_awaitable(result):
                result = await result
            return result  # type: ignore[return-value]

    async def _shared(self, delivery: Delivery, key: Hashable, serially: bool | None) -> ExecutionResult:
        while True:
            entry = delivery.shelf.get(key)
            if entry is None:
                future: asyncio.Future[ExecutionResult | None] = asyncio.get_running_loop().create_future()
                delivery.shelf[key] = (self.operation, future)
                try:
                    result = await self._render(delivery, serially)
                except BaseException:
                    # The subscriber rendering it went away (or failed): the others render it themselves.
                    if delivery.shelf.get(key, (None, None))[1] is future:
                        del delivery.shelf[key]
                    future.set_result(None)
                    raise
                future.set_result(result)
                return own_copy(result)
            shared = await asyncio.shield(entry[1])
            if shared is not None:
                return own_copy(shared)

    async def _render(self, delivery: Delivery, serially: bool | None) -> ExecutionResult:
        async with delivery.root() as root:
            executor = copy(self)
            executor.root_value = root
            executor.collected_errors = CollectedErrors()
            result = executor.execute_operation(serially)
            if self.is_awaitable(result):
                result = await result
            return result  # type: ignore[no-any-return]


async def render(executor: SharingExecutor, delivery: Delivery) -> ExecutionResult:
    """The update `delivery` makes for the subscription `executor` runs, shared as events are (above)."""
    result = executor.build_per_event_executor(delivery).execute_operation()
    if executor.is_awaitable(result):
        result = await result
    return result  # type: ignore[no-any-return]
