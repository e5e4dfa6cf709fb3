"""Domain enums shown in the schema as they are, with a description on every value.

Strawberry reads descriptions from `strawberry.enum_value(...)` in a class body, which would
mean restating a domain enum in the API layer; here the domain's own enum is registered and
its values described from a table kept beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any


def describe_values(enum: type[Enum], descriptions: Mapping[Any, str]) -> None:
    """Give each value of an enum already passed to `strawberry.enum` its description."""
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]  # set by strawberry.enum
    missing = [value.name for value in definition.values if enum[value.name] not in descriptions]
    if missing:
        raise ValueError(f"{enum.__name__}: no description for {', '.join(missing)}")
    for value in definition.values:
        value.description = descriptions[enum[value.name]]
