"""The send condition: a small declarative test over a context's fields, checked before sending.

A condition is a list of clauses that must all hold, e.g. `status` NOT_IN ["paid", "void"] and
`amount_due` GT 0. Each clause's value is parsed with its field's type when the email is
composed (a bad clause is refused then, not discovered at send time). A currency field compares
by amount; its clause value is a number ("0", 0) or a full amount object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.content.fields import FieldError, FieldSpec, FieldType, Money, Value, parse_value, value_to_json
from domain.errors import DomainError, ErrorCode

MAX_CLAUSES = 20
MAX_LIST = 50
ORDERED = frozenset({FieldType.INT, FieldType.DECIMAL, FieldType.CURRENCY, FieldType.DATE, FieldType.DATETIME})


class Operator(StrEnum):
    EQ = "EQ"
    NE = "NE"
    IN = "IN"
    NOT_IN = "NOT_IN"
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"
    IS_SET = "IS_SET"
    IS_NOT_SET = "IS_NOT_SET"


SYMBOLS = {
    Operator.EQ: "=",
    Operator.NE: "!=",
    Operator.IN: "in",
    Operator.NOT_IN: "not in",
    Operator.GT: ">",
    Operator.GTE: ">=",
    Operator.LT: "<",
    Operator.LTE: "<=",
}


@dataclass(frozen=True)
class Clause:
    field: str
    op: Operator
    value: Value | tuple[Value, ...] | None
    field_type: FieldType

    def to_json(self) -> dict[str, Any]:
        value: Any = self.value
        if isinstance(value, tuple):
            value = [_operand_json(v) for v in value]
        elif value is not None:
            value = _operand_json(value)
        return {"field": self.field, "op": self.op.value, "value": value}


def _operand_json(value: Value) -> Any:
    """Currency clauses compare amounts only, so their operand is stored as the amount."""
    return str(value.amount) if isinstance(value, Money) else value_to_json(value)


def _bad(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message, "sendCondition")


def _operand(spec: FieldSpec, raw: object) -> Value:
    try:
        if spec.type is FieldType.CURRENCY and not isinstance(raw, Mapping):
            amount = parse_value(FieldType.DECIMAL, raw)
            return Money(amount, "") if isinstance(amount, Decimal) else amount
        return parse_value(spec.type, raw)
    except FieldError as error:
        raise _bad(f"sendCondition on {spec.key}: {error}") from None


def parse_condition(specs: Iterable[FieldSpec], raw: Sequence[Mapping[str, Any]]) -> tuple[Clause, ...]:
    """Clauses checked against the context type's fields; DomainError INVALID_INPUT otherwise."""
    by_key = {spec.key: spec for spec in specs}
    if len(raw) > MAX_CLAUSES:
        raise _bad(f"at most {MAX_CLAUSES} clauses")
    clauses: list[Clause] = []
    for item in raw:
        key, op_name, value = item.get("field"), item.get("op"), item.get("value")
        spec = by_key.get(str(key))
        if spec is None:
            raise _bad(f"sendCondition names {key!r}, which is not a field of this context type")
        try:
            op = Operator(str(op_name))
        except ValueError:
            raise _bad(f"unknown operator {op_name!r}") from None
        if op in (Operator.IS_SET, Operator.IS_NOT_SET):
            clauses.append(Clause(spec.key, op, None, spec.type))
            continue
        if op in (Operator.GT, Operator.GTE, Operator.LT, Operator.LTE) and spec.type not in ORDERED:
            raise _bad(f"{op.value} needs a number, amount or date field; {spec.key} is {spec.type.value}")
        if op in (Operator.IN, Operator.NOT_IN):
            if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                raise _bad(f"{op.value} on {spec.key} needs a list of 1 to {MAX_LIST} values")
            clauses.append(Clause(spec.key, op, tuple(_operand(spec, v) for v in value), spec.type))
            continue
        if value is None:
            raise _bad(f"{op.value} on {spec.key} needs a value")
        clauses.append(Clause(spec.key, op, _operand(spec, value), spec.type))
    return tuple(clauses)


def _comparable(value: Value) -> Any:
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, datetime | date | Decimal | int):
        return value
    return str(value)


def _holds(clause: Clause, actual: Value | None) -> bool:
    if clause.op is Operator.IS_SET:
        return actual is not None
    if clause.op is Operator.IS_NOT_SET:
        return actual is None
    if actual is None:
        return False
    left = _comparable(actual)
    if isinstance(clause.value, tuple):
        members = {_comparable(v) for v in clause.value}
        return (left in members) == (clause.op is Operator.IN)
    assert clause.value is not None
    right = _comparable(clause.value)
    try:
        return bool(
            {
                Operator.EQ: lambda: left == right,
                Operator.NE: lambda: left != right,
                Operator.GT: lambda: left > right,
                Operator.GTE: lambda: left >= right,
                Operator.LT: lambda: left < right,
                Operator.LTE: lambda: left <= right,
            }[clause.op]()
        )
    except TypeError:
        return False


def _show(value: Value | tuple[Value, ...] | None) -> str:
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}" if value.currency else str(value.amount)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def unmet_reason(clauses: Iterable[Clause], data: Mapping[str, Value], context_type: str) -> str | None:
    """None when every clause holds; otherwise why the email is not sent, for a person to read."""
    for clause in clauses:
        actual = data.get(clause.field)
        if _holds(clause, actual):
            continue
        where = f"{context_type} {clause.field}"
        if actual is None:
            return f"not sent: {where} is not set"
        if clause.op is Operator.IS_NOT_SET:
            return f"not sent: {where} is set ({_show(actual)})"
        needs = f"{SYMBOLS[clause.op]} {_show(clause.value)}"
        return f"not sent: {where} is {_show(actual)} (the send condition needs {needs})"
    return None
