"""`quick_init`: a frozen dataclass's `__init__` that writes the instance's `__dict__` directly.

The `__init__` dataclasses writes for a frozen class calls `object.__setattr__` once per field
(it must step round the class's own `__setattr__`, which refuses every assignment); for the
findings, report entries, verdicts and recipients made for every bounced recipient that is
four to five times the cost of the assignments themselves. The instance stays as frozen as
before (assigning an attribute still raises), equality, hashing and repr are unchanged; only
the construction is cheaper. Defaults and default factories are honoured as dataclasses does;
a class with `__post_init__`, init=False or keyword-only fields or `__slots__` is refused.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


def quick_init(cls: C) -> C:
    """Replace the frozen dataclass `cls`'s generated `__init__` by one assigning its `__dict__`."""
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} is not a frozen dataclass")
    params = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or any(not f.init or f.kw_only for f in params):
        raise TypeError(f"{cls.__name__}: quick_init handles plain fields only")
    namespace: dict[str, Any] = {"MISSING": dataclasses.MISSING}
    arguments, lines = [], []
    for field in params:
        if field.default is not dataclasses.MISSING:
            namespace[f"_default_{field.name}"] = field.default
            arguments.append(f"{field.name}=_default_{field.name}")
            lines.append(f"    values[{field.name!r}] = {field.name}")
        elif field.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{field.name}"] = field.default_factory
            arguments.append(f"{field.name}=MISSING")
            lines.append(
                f"    values[{field.name!r}] = _factory_{field.name}() if {field.name} is MISSING else {field.name}"
            )
        else:
            arguments.append(field.name)
            lines.append(f"    values[{field.name!r}] = {field.name}")
    source = f"def __init__(self, {', '.join(arguments)}):\n    values = self.__dict__\n" + "\n".join(lines) + "\n"
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 - replacing a method, which mypy rightly questions elsewhere
    return cls
