"""A context type as the rules see it, and one entity's data resolved for rendering."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from domain.content.fields import BUILT_IN_KEYS, Data, FieldSpec, FieldType, Value, data_hash
from domain.content.formatting import DEFAULT_LOCALE, DEFAULT_TIMEZONE, format_data


@dataclass(frozen=True)
class ContextTypeSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    sample_data: Data = field(default_factory=dict)
    provider_url: str | None = None

    @property
    def known_tokens(self) -> frozenset[str]:
        return frozenset(spec.key for spec in self.fields) | BUILT_IN_KEYS

    def built_ins(self) -> tuple[FieldSpec, ...]:
        return (FieldSpec("current_date", "Current Date", FieldType.DATE),)


@dataclass(frozen=True)
class Formatting:
    locale: str = DEFAULT_LOCALE
    timezone: str = DEFAULT_TIMEZONE

    def with_locale(self, *choices: str | None) -> Formatting:
        """The first locale given (the draft's, then the template's), else this one."""
        chosen = next((c for c in choices if c), None)
        return replace(self, locale=chosen) if chosen else self


@dataclass(frozen=True)
class ResolvedContext:
    """One entity's typed data (or the sample data), where it came from, and how to format it."""

    spec: ContextTypeSpec
    context_id: uuid.UUID | None
    data: Data
    source: str
    """"snapshot v<N>", "provider" or "sample"."""
    formatting: Formatting = Formatting()
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.formatting.timezone)).date()

    @property
    def data_hash(self) -> str:
        return data_hash(self.data)

    def typed_values(self) -> dict[str, Value]:
        """The entity's data plus the built-in values (today's date)."""
        return {**self.data, "current_date": self.today}

    def values(self, formatting: Formatting | None = None) -> dict[str, str]:
        """Every token that has a value, formatted for `formatting` (default: this context's)."""
        fmt = formatting or self.formatting
        values = format_data(self.spec.fields, self.data, fmt.locale, fmt.timezone)
        values["current_date"] = str(format_date(self.today, format="long", locale=fmt.locale))
        return values

    def labelled_values(self, formatting: Formatting | None = None) -> list[tuple[str, str, str]]:
        """(label, key, formatted value) for each field that has a value, in declared order."""
        values = self.values(formatting)
        return [(s.label, s.key, values[s.key]) for s in (*self.spec.fields, *self.spec.built_ins()) if s.key in values]
