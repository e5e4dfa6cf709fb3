"""Typed values as a reader expects them in their language, through Babel (CLDR data).

"$1,500.00" and "March 15, 2024" in `en`, "1 500,00 $US" and "15 mars 2024" in `fr`. Date-times
are shown in the organization's timezone. Whole numbers are shown without grouping, because
they are as often identifiers or counts ("invoice 10234", "10 days") as quantities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from domain.content.fields import FieldSpec, FieldType, Money, Value
from domain.errors import DomainError, ErrorCode

DEFAULT_LOCALE = "en"
DEFAULT_TIMEZONE = "UTC"


def check_locale(tag: str, field: str = "locale") -> str:
    """A CLDR locale such as `en`, `fr`, `en_GB` or `pt-BR`, in Babel's spelling (`pt_BR`)."""
    try:
        if not isinstance(tag, str) or not (1 <= len(tag) <= 35):
            raise ValueError(tag)
        return str(Locale.parse(tag.replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{tag!r} is not a known locale (e.g. en, fr, en_GB)", field
        ) from None


def check_timezone(name: str, field: str = "timezone") -> str:
    """An IANA timezone name such as `Europe/Paris`."""
    try:
        if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{name!r} is not an IANA timezone (e.g. Europe/Paris)", field
        ) from None
    return name


def format_value(field_type: FieldType, value: Value, locale: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """One typed value as text for `locale` (and `timezone` for date-times)."""
    if field_type is FieldType.CURRENCY and isinstance(value, Money):
        return str(format_currency(value.amount, value.currency, locale=locale))
    if field_type is FieldType.DECIMAL and isinstance(value, Decimal):
        return str(format_decimal(value, locale=locale))
    if field_type is FieldType.INT and isinstance(value, int):
        return str(format_decimal(value, locale=locale, group_separator=False))
    if field_type is FieldType.DATETIME and isinstance(value, datetime):
        return str(format_datetime(value, format="long", tzinfo=ZoneInfo(timezone), locale=locale))
    if field_type is FieldType.DATE and isinstance(value, date):
        return str(format_date(value, format="long", locale=locale))
    return str(value)


def format_data(
    specs: Iterable[FieldSpec], data: Mapping[str, Value], locale: str, timezone: str = DEFAULT_TIMEZONE
) -> dict[str, str]:
    """Every present value of `data`, formatted; absent values are left out."""
    return {spec.key: format_value(spec.type, data[spec.key], locale, timezone) for spec in specs if spec.key in data}
