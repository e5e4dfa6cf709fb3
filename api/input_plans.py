"""An input type built from its GraphQL value by a plan made once, not by Strawberry's walk per request.

For each argument of an input type, Strawberry's `convert_argument` resolves the field's GraphQL
name and type and walks its wrappers again on every request: for SendEmailInput, some forty calls
and about 0.12 ms, more than graphql-core's own coercion of the same value twenty times over.
`plan_inputs` gives the type a `from_input` hook (Strawberry's own way for a type to build itself):
on first use it sorts the fields once into those whose value is taken as it is (a scalar, an
enum definition), those copied as a list of such (Strawberry copies them too: graphql-core shares
a default list between requests), and the rest, converted by Strawberry itself
(`InputContext.convert`: nested inputs, GlobalIDs, enum classes, Maybe). Fields without a default
are None unless given, the instance is built with keyword arguments: as Strawberry does.
tests/api/test_input_plans.py checks both give equal instances for generated values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.types.arguments import InputContext, _is_leaf_type, _is_optional_leaf_type
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, get_object_definition
from strawberry.types.unset import UNSET

AS_GIVEN, LIST_COPY, CONVERTED = 0, 1, 2
Plan = tuple[dict[str, None], tuple[tuple[str, str, int, Any], ...]]
"""The implicit Nones, then each field's (GraphQL name, Python name, kind, resolved type)."""


def _kind(type_: Any, registry: Mapping[object, Any]) -> int:
    """How `convert_argument` treats a value of `type_`, where it does nothing but pass it on or copy it."""
    if isinstance(type_, StrawberryMaybe):
        return CONVERTED
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
        if isinstance(type_, StrawberryMaybe):
            return CONVERTED
    if isinstance(type_, StrawberryList):
        item = type_.of_type
        leaf = _is_leaf_type(item, registry, skip_classes=(GlobalID,))
        return LIST_COPY if leaf or _is_optional_leaf_type(item, registry, skip_classes=(GlobalID,)) else CONVERTED
    if type_ is not GlobalID and _is_leaf_type(type_, registry):
        return AS_GIVEN
    return CONVERTED


def make_plan(cls: type, context: InputContext) -> Plan:
    definition = get_object_definition(cls, strict=True)
    nones = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }
    steps = []
    for field in definition.fields:
        type_ = field.resolve_type(type_definition=definition)
        name = context.config.name_converter.from_field(field)
        steps.append((name, field.python_name, _kind(type_, context.scalar_registry), type_))
    return nones, tuple(steps)


def planned_from_input() -> Callable[[type, Mapping[str, Any], InputContext], Any]:
    """A `from_input` hook that builds its plan on first use, one per (class, config, scalar registry)."""
    plans: dict[tuple[type, int, int], tuple[object, object, Plan]] = {}

    def from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        key = (cls, id(context.config), id(context.scalar_registry))
        entry = plans.get(key)
        if entry is None or entry[0] is not context.config or entry[1] is not context.scalar_registry:
            entry = plans[key] = (context.config, context.scalar_registry, make_plan(cls, context))
        nones, steps = entry[2]
        kwargs: dict[str, Any] = dict(nones)
        for name, python_name, kind, type_ in steps:
            if name not in value:
                continue
            given = value[name]
            if kind == AS_GIVEN:
                kwargs[python_name] = given
            elif kind == LIST_COPY:
                kwargs[python_name] = given if given is None or given is UNSET else list(given)
            else:
                kwargs[python_name] = context.convert(given, type_, name)
        return cls(**kwargs)

    return from_input


def plan_inputs(*classes: type) -> None:
    """Give each Strawberry input class the planned `from_input` (its schema is unchanged).

    Not for a type with `Maybe` fields: Strawberry checks their nulls in the document only for
    types without a `from_input`, so the same null would be refused later and otherwise."""
    for cls in classes:
        definition = get_object_definition(cls, strict=True)
        if not definition.is_input or definition.from_input is not None:
            raise ValueError(f"{cls.__name__} is not an input type that builds itself the usual way")
        if any(
            isinstance(field.resolve_type(type_definition=definition), StrawberryMaybe) for field in definition.fields
        ):
            raise ValueError(f"{cls.__name__} has Maybe fields, whose nulls Strawberry checks only without from_input")
        definition.from_input = planned_from_input()
