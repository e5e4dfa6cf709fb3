"""A new table row built as its constructor builds it, in half the time.

SQLModel's constructor sets each field through the model's `__setattr__`, which asks per field
whether the class is a table and the attribute instrumented, hands the value to SQLAlchemy's
attribute, then to pydantic's own `__setattr__`. A new email has 42 fields, written on every
sendEmail: about 80 us of the API's CPU for the row alone. `fresh` keeps the constructor's parts
that matter (SQLAlchemy's instance state and `init` event, through the instrumented constructor
with SQLModel's own "partial init"), then sets each field straight on its SQLAlchemy attribute
(the same history: the row is pending, every field modified) and in the instance's dict, with the
defaults computed the same way and `__pydantic_fields_set__` the fields given. For table models
without aliases, relationships, extra fields or validation on assignment (checked, else it is
the constructor). tests/domain/test_fresh_rows.py compares both on generated values.

A plain column (no active history, no listeners) is set inline: what its attribute's set() would
record (the previous value, once) goes in committed_state, and the state is marked modified once.
`assign` changes fields of an existing row the same way, as setattr would
(tests/domain/test_assigned_rows.py).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic.fields import FieldInfo
from sqlalchemy import inspect
from sqlalchemy.orm.attributes import _ScalarAttributeImpl
from sqlalchemy.orm.base import NO_VALUE
from sqlmodel import SQLModel
from sqlmodel._compat import partial_init

M = TypeVar("M", bound=SQLModel)

_IMPLS: dict[type, dict[str, Any] | None] = {}
_PLAIN: dict[type, frozenset[str]] = {}
_FIELDS: dict[type, tuple[tuple[str, bool, Any, FieldInfo | None], ...]] = {}


def _plain_table(cls: type[SQLModel]) -> bool:
    config = cls.model_config
    return bool(
        getattr(cls, "__table__", None) is not None
        and not cls.__sqlmodel_relationships__
        and not config.get("validate_assignment")
        and not config.get("frozen")
        and config.get("extra") != "allow"
        and not cls.__pydantic_post_init__
        and not any(field.alias for field in cls.model_fields.values())
    )


def fresh(cls: type[M], **values: Any) -> M:
    """`cls(**values)` for a table model, faster where the module docstring says it is the same."""
    impls = _IMPLS.get(cls, {})
    if impls is None or (not impls and not _plain_table(cls)):
        _IMPLS[cls] = None
        return cls(**values)
    with partial_init():
        row = cls(**values)  # SQLAlchemy's state and init event (mappers configured); SQLModel sets nothing
    state = inspect(row)
    if not impls:  # read once the mappers are configured: before, attributes have no implementation yet
        impls = {key: attribute.impl for key, attribute in state.manager.items()}
        if any(impl is None for impl in impls.values()):
            _IMPLS[cls] = None
            return cls(**values)
        _IMPLS[cls] = impls
        _PLAIN[cls] = frozenset(key for key, impl in impls.items() if _plain_scalar(impl))
        _FIELDS[cls] = tuple(_field_default(name, field) for name, field in cls.model_fields.items())
    plain = _PLAIN[cls]
    given: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for name, required, default, field in _FIELDS[cls]:
        if name in values:
            given[name] = values[name]
        elif field is not None:
            defaults[name] = field.get_default(call_default_factory=True)
        elif not required:
            defaults[name] = default
    fields_set = set(given)
    given.update(defaults)
    dict_, committed = row.__dict__, state.committed_state
    for key, value in given.items():
        if key in plain:  # what _ScalarAttributeImpl.set records for it, inline
            if key not in committed:
                committed[key] = dict_.get(key, NO_VALUE)
            dict_[key] = value
        elif (impl := impls.get(key)) is not None:
            impl.set(state, dict_, value, None)
        else:
            dict_[key] = value
    if committed and not state.modified:
        state._modified_event(dict_, None, NO_VALUE)  # the state's half of a set: modified
    object.__setattr__(row, "__pydantic_fields_set__", fields_set)
    return row


def _field_default(name: str, field: FieldInfo) -> tuple[str, bool, Any, FieldInfo | None]:
    """(name, required, default, field): the field when its default must be made anew each time
    (a factory, a value pydantic copies), else the default itself, the one get_default returns."""
    if field.is_required():
        return name, True, None, None
    if field.default_factory is None:
        default = field.get_default()
        if default is field.default:  # immutable: pydantic hands out the value itself
            return name, False, default, None
    return name, False, None, field


def _plain_scalar(impl: Any) -> bool:
    """Whether setting `impl` on a new row only records its previous value and marks the row
    modified (_ScalarAttributeImpl.set with no history to load and no listener to run)."""
    return (
        type(impl) is _ScalarAttributeImpl
        and impl.send_modified_events
        and not impl.dispatch._active_history
        and not impl.dispatch.set
    )


def assign(row: SQLModel, **values: Any) -> None:
    """`setattr(row, name, value)` for each of `values`, in order, faster where `fresh` is: a plain
    column's change is recorded as its attribute records it (the previous value kept once, the row
    marked modified, and for a row in a session, dirty), then pydantic's own bookkeeping."""
    cls = type(row)
    plain = _PLAIN.get(cls) if _IMPLS.get(cls) else None
    if not plain or (state := inspect(row))._last_known_values is not None:
        for name, value in values.items():
            setattr(row, name, value)
        return
    dict_, committed = row.__dict__, state.committed_state
    fields_set = row.__pydantic_fields_set__
    changed = False
    for name, value in values.items():
        if name in plain:
            if name not in committed:
                committed[name] = dict_.get(name, NO_VALUE)
            dict_[name] = value
            fields_set.add(name)
            changed = True
        else:
            setattr(row, name, value)
    if changed:
        state._modified_event(dict_, None, NO_VALUE)
