"""Facts in free text: links, addresses, dates, times, amounts, numbers and identifiers.

Each fact carries the normalised keys it may stand for, so that "$1,500.00", "USD 1,500.00",
"1 500,00 $US" and "1500" all meet the same Decimal, and "March 15, 2024", "15 mars 2024",
"2024-03-15" and "15/03/2024" the same date. Where writing is ambiguous ("1,500" is fifteen
hundred in `en` and one and a half in `fr`; "03/04/2024" is March or April) every reading is
kept: the checker accepts a fact when any reading matches a known value.

Spans are taken in a fixed order (links before addresses before dates before amounts before
identifiers before bare numbers) and masked once taken, so the "2024" of a date is not also
read as a number.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from domain.content.fields import CURRENCIES

MASK = "\x00"
SYMBOLS = "$€£¥₹₩₽₺₪₫₱฿¢"
CURRENCY_WORDS = {"dollar": "$", "dollars": "$", "euro": "€", "euros": "€", "pound": "£", "pounds": "£"}
COMMON_TLDS = "com|net|org|io|co|app|dev|info|biz|me|us|uk|de|fr|eu|ca|au|link|pay|shop|site|online"

SCHEME_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\x00]+", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")
BARE_URL = re.compile(
    rf"(?<![\w@.\-])(?:[a-z0-9\-]+\.)+(?:[a-z]{{2,24}}/[^\s<>\"'`\x00]*|(?:{COMMON_TLDS})\b)", re.IGNORECASE
)
ISO_DATE = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?![\d/])")
CJK_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*([AaPp])\.?[Mm]\.?)?(?![\d:])")
NUMBER_TEXT = r"\d{1,3}(?:[,.'\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
PRE_MARKER = rf"[A-Z]{{0,3}}[{SYMBOLS}]|\b[A-Z]{{3}}(?![A-Za-z])"
POST_MARKER = rf"[{SYMBOLS}](?:[A-Z]{{2}})?|(?<![A-Za-z])[A-Z]{{3}}\b|\b(?:dollars?|euros?|pounds?)\b"
AMOUNT = re.compile(
    rf"(?P<pre>{PRE_MARKER})\s?-?(?P<num1>{NUMBER_TEXT})|(?<![\w.,])-?(?P<num2>{NUMBER_TEXT})\s?(?P<post>{POST_MARKER})"
)
WORD = re.compile(r"(?<![A-Za-z0-9_.,\-/#])#?[A-Za-z0-9]+(?:[-_/][A-Za-z0-9]+)*(?![A-Za-z0-9_\-/])")
UNIT_NUMBER = re.compile(r"^(\d+)-?[A-Za-z]+(?:-[A-Za-z]+)*$")
"""Ordinals and units written onto a number: 15th, 1er, 30-day, 24h, 3pm, 14-business-days."""
BARE_NUMBER = re.compile(r"(?<![\w.,])-?(\d{1,3}(?:[,.'\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\w])%?")


class FactKind(StrEnum):
    URL = "link"
    EMAIL = "email address"
    DATE = "date"
    TIME = "time"
    AMOUNT = "amount"
    NUMBER = "number"
    IDENTIFIER = "identifier"


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    text: str
    keys: frozenset[Hashable]
    marker: str | None = None
    """An amount's currency symbol or code as written, upper-cased."""


def decimal_readings(text: str) -> frozenset[Decimal]:
    """Every value a written number may mean, whichever of `,` and `.` groups and which is decimal."""
    digits = re.sub(r"[\s'\u00a0\u202f]", "", text)
    readings: set[str] = set()
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        group = "." if decimal_mark == "," else ","
        readings.add(digits.replace(group, "").replace(decimal_mark, "."))
    elif "," in digits or "." in digits:
        mark = "," if "," in digits else "."
        parts = digits.split(mark)
        if all(len(p) == 3 for p in parts[1:]):
            readings.add(digits.replace(mark, ""))
        if len(parts) == 2:
            readings.add(digits.replace(mark, "."))
    else:
        readings.add(digits)
    values: set[Decimal] = set()
    for reading in readings:
        try:
            values.add(Decimal(reading))
        except InvalidOperation:
            continue
    return frozenset(values)


def number_keys(text: str) -> frozenset[Hashable]:
    return frozenset(("num", value) for value in decimal_readings(text))


def url_keys(raw: str) -> tuple[str | None, str]:
    """(scheme://host/path?query, host/path?query): the full form, and the form without a scheme."""
    has_scheme = "://" in raw
    parts = urlsplit(raw if has_scheme else "//" + raw)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    bare = host + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    return (f"{parts.scheme.lower()}://{bare}" if has_scheme else None), bare


def _strip_url(raw: str) -> str:
    while raw and raw[-1] in ".,;:!?'\"]}>":
        raw = raw[:-1]
    while raw.endswith(")") and raw.count(")") > raw.count("("):
        raw = raw[:-1]
    return raw


@lru_cache(maxsize=32)
def month_names(locale: str) -> dict[str, int]:
    """Month names (wide and abbreviated, formatting and stand-alone) of English and `locale`."""
    names: dict[str, int] = {}
    for tag in dict.fromkeys(("en", locale)):
        try:
            loc = Locale.parse(tag)
        except (ValueError, UnknownLocaleError):
            continue
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in loc.months[context][width].items():
                    cleaned = name.lower().rstrip(".")
                    if cleaned and not cleaned.isdigit():
                        names[cleaned] = number
    return names


@lru_cache(maxsize=32)
def date_patterns(locale: str) -> tuple[re.Pattern[str], ...]:
    months = "|".join(re.escape(name) for name in sorted(month_names(locale), key=len, reverse=True))
    month = rf"(?P<month>{months})\.?"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|e)?\.?"
    year = r"(?P<year>\d{4})"
    flags = re.IGNORECASE
    return (
        re.compile(rf"\b{month}\s+{day},?\s+(?:de\s+)?{year}\b", flags),
        re.compile(rf"\b{day}\s+(?:of\s+|de\s+)?{month},?\s+(?:de\s+)?{year}\b", flags),
        re.compile(rf"\b{month},?\s+(?:de\s+)?{year}\b", flags),
        re.compile(rf"\b{month}\s+{day}(?!\d)", flags),
        re.compile(rf"\b{day}\s+(?:of\s+|de\s+)?{month}\b", flags),
    )


def date_keys(year: int | None, month: int, day: int | None) -> frozenset[Hashable]:
    if year is not None and day is not None:
        try:
            return frozenset({("date", date(year, month, day))})
        except ValueError:
            return frozenset({("invalid-date", year, month, day)})
    if year is not None:
        return frozenset({("ym", year, month)})
    return frozenset({("md", month, day)})


class _Scanner:
    """Takes facts out of a text one kind at a time, masking what each kind took."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.facts: list[tuple[int, Fact]] = []

    def take(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        for match in list(pattern.finditer(self.text)):
            if MASK in match.group(0):
                continue
            yield match

    def mask(self, start: int, end: int, fact: Fact | None) -> None:
        self.text = self.text[:start] + MASK * (end - start) + self.text[end:]
        if fact is not None:
            self.facts.append((start, fact))


def extract_facts(text: str, locale: str = "en") -> list[Fact]:
    """The facts written in `text`, in reading order."""
    scan = _Scanner(text or "")
    for match in scan.take(SCHEME_URL):
        raw = _strip_url(match.group(0))
        full, bare = url_keys(raw if "://" in raw else "http://" + raw)
        keys = frozenset({("url", full)} if "://" in raw else {("host", bare)})
        scan.mask(match.start(), match.start() + len(raw), Fact(FactKind.URL, raw, keys))
    for match in scan.take(EMAIL):
        scan.mask(
            match.start(),
            match.end(),
            Fact(FactKind.EMAIL, match.group(0), frozenset({("email", match.group(0).lower())})),
        )
    for match in scan.take(BARE_URL):
        raw = _strip_url(match.group(0))
        scan.mask(
            match.start(), match.start() + len(raw), Fact(FactKind.URL, raw, frozenset({("host", url_keys(raw)[1])}))
        )
    _take_dates(scan, locale)
    for match in scan.take(TIME):
        hour, minute, half = int(match.group(1)), int(match.group(2)), (match.group(3) or "").lower()
        if half:
            hour = hour % 12 + (12 if half == "p" else 0)
        scan.mask(match.start(), match.end(), Fact(FactKind.TIME, match.group(0), frozenset({("time", hour, minute)})))
    _take_amounts(scan)
    for match in scan.take(WORD):
        word = match.group(0)
        if not any(ch.isdigit() for ch in word):
            continue
        unit = UNIT_NUMBER.match(word)
        if unit:
            scan.mask(match.start(), match.end(), Fact(FactKind.NUMBER, word, number_keys(unit.group(1))))
        elif any(ch.isalpha() for ch in word) or any(ch in word for ch in "-_/#"):
            key = ("id", word.lower().lstrip("#"))
            scan.mask(match.start(), match.end(), Fact(FactKind.IDENTIFIER, word, frozenset({key})))
    for match in scan.take(BARE_NUMBER):
        scan.mask(match.start(), match.end(), Fact(FactKind.NUMBER, match.group(0), number_keys(match.group(1))))
    return [fact for _, fact in sorted(scan.facts, key=lambda item: item[0])]


def _take_dates(scan: _Scanner, locale: str) -> None:
    for match in scan.take(ISO_DATE):
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        keys = set(date_keys(year, month, day))
        if match.group(4):
            keys.add(("time", int(match.group(4)), int(match.group(5))))
        scan.mask(match.start(), match.end(), Fact(FactKind.DATE, match.group(0), frozenset(keys)))
    for match in scan.take(NUMERIC_DATE):
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        readings = set(date_keys(year, second, first)) | set(date_keys(year, first, second))
        keys = {k for k in readings if isinstance(k, tuple) and k[0] == "date"} or readings
        scan.mask(match.start(), match.end(), Fact(FactKind.DATE, match.group(0), frozenset(keys)))
    for match in scan.take(CJK_DATE):
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        scan.mask(match.start(), match.end(), Fact(FactKind.DATE, match.group(0), date_keys(year, month, day)))
    names = month_names(locale)
    for pattern in date_patterns(locale):
        for match in scan.take(pattern):
            groups = match.groupdict()
            named = names.get(groups["month"].lower().rstrip("."))
            if named is None:
                continue
            in_year = int(groups["year"]) if groups.get("year") else None
            on_day = int(groups["day"]) if groups.get("day") else None
            found = Fact(FactKind.DATE, match.group(0), date_keys(in_year, named, on_day))
            scan.mask(match.start(), match.end(), found)


def _take_amounts(scan: _Scanner) -> None:
    for match in scan.take(AMOUNT):
        marker = (match.group("pre") or match.group("post") or "").strip()
        number = match.group("num1") or match.group("num2")
        if marker.isalpha() and marker.isupper() and len(marker) == 3 and marker not in CURRENCIES:
            continue  # "INV 2024" is not an amount; the number is read later on its own
        marker = CURRENCY_WORDS.get(marker.lower(), marker)
        end = match.end()
        scan.mask(
            match.start(), end, Fact(FactKind.AMOUNT, match.group(0).strip(), number_keys(number), marker.upper())
        )
