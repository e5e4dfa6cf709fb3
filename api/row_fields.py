"""Fields of a GraphQL type converted from its row when first read (`OutboundEmail`, `Recipient`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class RowField:
    """A field converted from the instance's `row` when first read, then kept in its `__dict__`.

    A `__getattr__` did this before, but Python calls one only after its own lookup has failed
    with an AttributeError, whose message it formats first ("'Recipient' object has no
    attribute 'role'"): about 1,100 of them on a 100-email page, 2.5% of its instructions. This
    non-data descriptor is what that lookup finds instead; a value in the instance's `__dict__`
    (set by `__init__` from an ORM row, or by an earlier read) comes first, as it did.
    """

    __slots__ = ("convert", "name")

    def __init__(self, name: str, convert: Callable[[Any], Any]) -> None:
        self.name = name
        self.convert = convert

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        row = instance.__dict__.get("row")
        if row is None:
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self.name!r}")
        value = self.convert(row)
        instance.__dict__[self.name] = value
        return value


def convert_lazily(cls: type, conversions: Mapping[str, Callable[[Any], Any]]) -> None:
    """Make each field named in `conversions` a `RowField` of `cls` (fields without a default only)."""
    for name, convert in conversions.items():
        assert name not in vars(cls), f"{cls.__name__}.{name} has a class attribute (a default?)"
        setattr(cls, name, RowField(name, convert))
