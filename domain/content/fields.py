"""What a context type declares (its fields and their types) and entity data checked against it.

Entity data arrives as JSON. Each value is parsed into a typed Python value once, here, so that
formatting, the send condition and fact-checking never meet a malformed amount or date. The
canonical JSON of the typed data is what is stored and hashed: two pushes of the same facts
written differently ("1500" and "1500.00") hash alike only if they mean the same amount.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from email_validator import EmailNotValidError, validate_email

from domain.errors import DomainError, ErrorCode

KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CONTEXT_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,99}$")
DECIMAL_TEXT = re.compile(r"^-?\d{1,15}(\.\d{1,10})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FIELDS = 100
MAX_LABEL = 100
MAX_STRING = 10_000
MAX_URL = 2048
MAX_INT = 10**15
BUILT_IN_KEYS = frozenset({"current_date"})
"""Tokens every context type offers without declaring them."""
CURRENCIES = frozenset(list_currencies())


class FieldType(StrEnum):
    STR = "str"
    INT = "int"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    DATE = "date"
    DATETIME = "datetime"
    EMAIL = "email"
    URL = "url"


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: FieldType

    @property
    def token(self) -> str:
        return "{" + self.key + "}"

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "type": self.type.value}


@dataclass(frozen=True)
class Money:
    """An amount in one ISO 4217 currency; the amount is exact (a Decimal, never a float)."""

    amount: Decimal
    currency: str


Value = str | int | Decimal | Money | date | datetime
Data = dict[str, Value]


class FieldError(ValueError):
    """One value that does not fit its field."""


def invalid(message: str, field: str | None = "data") -> DomainError:
    return DomainError(ErrorCode.INVALID_CONTEXT_DATA, message, field)


def check_context_type_name(name: str) -> str:
    """A context type's name: lower-case letters, digits, `_`, `.` or `-`, 1 to 100 characters."""
    if not isinstance(name, str) or not CONTEXT_TYPE_NAME.match(name):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "contextType must be 1 to 100 lower-case letters, digits, '_', '.' or '-', starting with a letter",
            "contextType",
        )
    return name


def parse_fields(items: Iterable[tuple[str, str, str]]) -> tuple[FieldSpec, ...]:
    """Declared fields, checked: keys are identifiers, unique, not a built-in; labels are short."""
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for key, label, type_name in items:
        if not isinstance(key, str) or not KEY.match(key):
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"field key {key!r} must be lower-case letters, digits and '_', starting with a letter (at most 64)",
                "fields",
            )
        if key in seen:
            raise DomainError(ErrorCode.INVALID_INPUT, f"field key {key!r} is declared twice", "fields")
        if key in BUILT_IN_KEYS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{{{key}}} is built in; choose another key", "fields")
        label = (label or "").strip()
        if not label or len(label) > MAX_LABEL or any(ch in label for ch in "\r\n\x00"):
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"the label of {key!r} must be 1 to {MAX_LABEL} characters", "fields"
            )
        try:
            field_type = FieldType(type_name)
        except ValueError:
            raise DomainError(ErrorCode.INVALID_INPUT, f"unknown field type {type_name!r}", "fields") from None
        seen.add(key)
        specs.append(FieldSpec(key, label, field_type))
    if len(specs) > MAX_FIELDS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"at most {MAX_FIELDS} fields", "fields")
    return tuple(specs)


def specs_from_json(stored: Iterable[Mapping[str, Any]]) -> tuple[FieldSpec, ...]:
    """Fields as stored on a ContextType row (already checked when registered)."""
    return tuple(FieldSpec(f["key"], f["label"], FieldType(f["type"])) for f in stored)


def _decimal(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise FieldError('must be a decimal string such as "1500.00" (numbers with a fraction are sent as strings)')
    text = str(raw)
    if not DECIMAL_TEXT.match(text):
        raise FieldError(f'{text!r} is not a decimal such as "1500.00"')
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern keeps this out
        raise FieldError(f"{text!r} is not a decimal") from None


def _text(raw: object, limit: int) -> str:
    if not isinstance(raw, str):
        raise FieldError("must be a string")
    if len(raw) > limit:
        raise FieldError(f"is longer than {limit} characters")
    if "\x00" in raw:
        raise FieldError("must not contain NUL characters")
    return raw


def parse_value(field_type: FieldType, raw: object) -> Value:
    """One JSON value as the typed value its field declares; FieldError says why it does not fit."""
    if field_type is FieldType.STR:
        return _text(raw, MAX_STRING)
    if field_type is FieldType.INT:
        if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) >= MAX_INT:
            raise FieldError("must be a whole number")
        return raw
    if field_type is FieldType.DECIMAL:
        return _decimal(raw)
    if field_type is FieldType.CURRENCY:
        if not isinstance(raw, Mapping) or set(raw) != {"amount", "currency"}:
            raise FieldError('must be {"amount": "1500.00", "currency": "USD"}')
        code = raw["currency"]
        if not isinstance(code, str) or code not in CURRENCIES:
            raise FieldError(f"{code!r} is not an ISO 4217 currency code")
        return Money(_decimal(raw["amount"]), code)
    if field_type is FieldType.DATE:
        text = _text(raw, 10)
        if not ISO_DATE.match(text):
            raise FieldError(f'{text!r} is not a date such as "2024-02-15"')
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise FieldError(f"{text!r} is not a calendar date") from None
    if field_type is FieldType.DATETIME:
        text = _text(raw, 40)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise FieldError(f"{text!r} is not an ISO 8601 date and time") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise FieldError(f"{text!r} needs a timezone offset (e.g. 2024-02-15T09:00:00Z)")
        return moment.astimezone(UTC)
    if field_type is FieldType.EMAIL:
        text = _text(raw, 320)
        try:
            return validate_email(text.strip(), check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise FieldError(f"{text!r} is not an email address: {error}") from None
    return _url(raw)


def _url(raw: object) -> str:
    text = _text(raw, MAX_URL)
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise FieldError("a URL must not contain spaces or control characters")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError(f"{text!r} is not an http(s) URL")
    return text


def parse_data(specs: Iterable[FieldSpec], data: object, *, strict: bool = True) -> Data:
    """Entity data as typed values; a value may be absent or null (its token then has no value).

    Strict (what the app sends): unknown keys and misfit values are refused with every problem
    named at once. Lenient (data stored before the fields changed): they are left out.
    """
    if not isinstance(data, Mapping):
        raise invalid("data must be a JSON object")
    by_key = {spec.key: spec for spec in specs}
    problems: list[str] = []
    unknown = sorted(str(k) for k in data if k not in by_key)
    if unknown and strict:
        problems.append(f"unknown fields: {', '.join(unknown)}")
    parsed: Data = {}
    for key, raw in data.items():
        spec = by_key.get(key)
        if spec is None or raw is None:
            continue
        try:
            parsed[key] = parse_value(spec.type, raw)
        except FieldError as error:
            problems.append(f"{key}: {error}")
    if problems and strict:
        raise invalid("; ".join(problems))
    return parsed


def value_to_json(value: Value) -> Any:
    """The canonical JSON form of a typed value (what is stored and hashed)."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def data_to_json(data: Mapping[str, Value]) -> dict[str, Any]:
    return {key: value_to_json(value) for key, value in sorted(data.items())}


def data_hash(data: Mapping[str, Value]) -> str:
    """sha256 of the canonical JSON: the fingerprint of the data an email was rendered from."""
    canonical = json.dumps(data_to_json(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
