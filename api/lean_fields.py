"""How the lean path (api.lean) reads one field: its plan per selection (`Step`), a plain field's
attribute read, a resolver called as Strawberry would call it, and the types never awaitable."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

from graphql import (
    GraphQLField,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.types.info import Info

from api.lean_shape import is_plain

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

    graphql-core's check, `hasattr(value, "__await__")`, fails with an AttributeError per value
    (its message formatted, then dropped; a `__getattr__` would be called too): a page checks
    hundreds of them. The declaration must hold: `cls` defines no `__await__` and no
    `__getattr__` of it answers one.
    """
    assert not hasattr(cls, "__await__"), cls
    SAFE.add(cls)
    return cls
