"""`lazy`: an attribute computed on first use and stored on the instance.

functools.cached_property takes a lock on every first access in Python 3.11 (removed in 3.12),
which costs more than most of the values it guards here; this plain non-data descriptor stores
the value in the instance's __dict__, where later lookups find it without calling anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class lazy(Generic[T]):
    """Compute an attribute once per instance, on first access."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value
