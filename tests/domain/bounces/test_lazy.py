"""`lazy`: computed on first access, stored under the attribute's own name, documented as its function."""

from __future__ import annotations

from types import SimpleNamespace

from domain.bounces.lazy import lazy


def _counted() -> tuple[type, list[int]]:
    calls: list[int] = []

    def compute(self: object) -> int:
        """The value, counted."""
        calls.append(1)
        return 41 + len(calls)

    class Thing:
        value = lazy(compute)
        alias = lazy(compute)

    return Thing, calls


def test_a_lazy_attribute_is_computed_once_and_then_read_from_the_instance() -> None:
    thing_type, calls = _counted()
    thing = thing_type()
    assert thing.value == 42 and thing.value == 42
    assert calls == [1]
    assert thing.__dict__ == {"value": 42}


def test_the_value_is_stored_under_the_attribute_name_not_the_function_name() -> None:
    thing_type, calls = _counted()
    thing = thing_type()
    assert thing.alias == 42 and thing.alias == 42
    assert thing.__dict__ == {"alias": 42}
    assert thing.value == 43
    assert len(calls) == 2


def test_outside_a_class_the_function_name_is_the_attribute_name_and_its_docstring_is_kept() -> None:
    def width(self: SimpleNamespace) -> int:
        """How wide."""
        return 7

    descriptor = lazy(width)
    assert descriptor.name == "width" and descriptor.compute is width
    assert descriptor.__doc__ == "How wide."
    holder = SimpleNamespace()
    assert descriptor.__get__(holder) == 7
    assert holder.width == 7
