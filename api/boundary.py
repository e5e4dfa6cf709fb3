"""The API's edge, where input is made safe once: what a body, a string and a datetime may be.

Everything a client sends passes here before any use case sees it, so the domain never meets a
NUL byte (PostgreSQL text cannot hold one), a lone surrogate (not Unicode, cannot be encoded), a
datetime that overflows when converted to UTC, a body that is not a JSON object, or an unbounded
request. Each refusal is a 4xx or a GraphQL error carrying a `code`, never "Unexpected error.":
- the HTTP body: at most `max_request_bytes`, UTF-8, a JSON object (view: `decode_json`);
- strings in variables (HTTP body and WebSocket payloads) and in the document's literals;
- `DateTime` values: ISO 8601, normalised to UTC when they carry an offset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid as uuid_module
from collections.abc import Iterator
from typing import Any

import dateutil.parser
import orjson
from graphql import GraphQLError, StringValueNode, ValidationRule
from starlette.types import Message, Receive
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.schema.types.base_scalars import UUIDDefinition
from strawberry.types import ExecutionContext
from strawberry.types.scalar import ScalarDefinition

from domain.validation import unsafe_text_reason

log = logging.getLogger("mailtrail.api")

# Codes for the errors GraphQL itself raises (the names Apollo's clients already know).
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"
MASKED = "Unexpected error."


class BodyRejected(Exception):
    """The HTTP request body is refused before GraphQL sees it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def find_unsafe_text(value: object, path: str = "") -> tuple[str, str] | None:
    """The first string (or object key) inside `value` that cannot be stored: `(path, reason)`."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            reason = unsafe_text_reason(item)
            if reason is not None:
                return where or "value", reason
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and (reason := unsafe_text_reason(key)) is not None:
                    return f"{where}.{key!r}".lstrip("."), f"has a key that {reason}"
                stack.append((child, f"{where}.{key}".lstrip(".")))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None


def decode_body(data: str | bytes) -> dict[str, Any]:
    """A GraphQL-over-HTTP body: UTF-8 JSON, an object, every string storable; else BodyRejected."""
    escaped = True
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BodyRejected(400, "the request body is not valid UTF-8") from None
        # Strict UTF-8 has no surrogates, and json.loads refuses a raw control character in a
        # string: from bytes, a NUL or a lone surrogate can only come in as a \u escape.
        escaped = "\\u" in data
    try:
        value = json.loads(data)
    except json.JSONDecodeError:
        raise BodyRejected(400, "the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise BodyRejected(400, "the request body must be a JSON object with `query` (batches are not accepted)")
    unsafe = find_unsafe_text(value) if escaped else None
    if unsafe is not None:
        raise BodyRejected(400, f"{unsafe[0]} {unsafe[1]}")
    return value


async def read_capped(receive: Receive, limit: int) -> bytes:
    """Read a whole HTTP request body, refusing (413) one longer than `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyRejected(400, "the client went away before sending the whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyRejected(413, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A `receive` that hands the already-read body to the next app, then waits for disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _parse_datetime(value: str) -> dt.datetime:
    parsed: dt.datetime = dateutil.parser.isoparse(value)
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("it lies outside the years 1 to 9999 once converted to UTC") from None
    return parsed


def _parse_datetime_value(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f"DateTime must be an ISO 8601 string, not {type(value).__name__}")
    try:
        return _parse_datetime(value)
    except (ValueError, OverflowError) as error:
        raise StrawberryInputCoercionError(f"{value[:64]!r} is not a valid DateTime: {error}") from None


def iso_datetime(value: dt.datetime) -> str:
    """`value.isoformat()`; for a UTC or naive datetime written by orjson, the same text in a
    third of the time (a 100-email page writes five hundred: its emails', its events', its cursors)."""
    if value.__class__ is dt.datetime and (value.tzinfo is dt.UTC or value.tzinfo is None):
        return orjson.dumps(value)[1:-1].decode()
    return value.isoformat()


DATETIME = ScalarDefinition(
    name="DateTime",
    description=(
        "A point in time, ISO 8601 with a UTC offset (e.g. `2026-03-15T09:30:00+01:00`); returned in UTC (`...+00:00`)."
    ),
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339",
    serialize=iso_datetime,
    parse_value=_parse_datetime_value,
    parse_literal=None,
    origin=dt.datetime,
)
# Strawberry's own UUID scalar (same parsing and errors), described.
UUID = dataclasses.replace(
    UUIDDefinition,
    description="A UUID in its canonical text form (`3f2c6e1a-8d4b-4c1e-9a7f-0b5d2e6c8a91`), any version.",
    specified_by_url="https://www.rfc-editor.org/rfc/rfc9562",
)
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {dt.datetime: DATETIME, uuid_module.UUID: UUID}


class SafeStringLiterals(ValidationRule):
    """String literals written into the document obey the same rule as variables."""

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        reason = unsafe_text_reason(node.value)
        if reason is not None:
            self.report_error(GraphQLError(f"a string literal {reason}", node, extensions={"code": BAD_USER_INPUT}))


def safe_variables(context: ExecutionContext) -> None:
    """Variables that did not come through the HTTP body (WebSocket payloads) are checked here."""
    from api.context import LiveContext  # the HTTP path already checked its body

    if isinstance(context.context, LiveContext) and context.variables:
        unsafe = find_unsafe_text(context.variables, "variables")
        if unsafe is not None:
            raise GraphQLError(f"{unsafe[0]} {unsafe[1]}", extensions={"code": BAD_USER_INPUT})


class ErrorCodes(SchemaExtension):
    """Every error leaves with `extensions.code`: the client's mistakes say which, bugs say INTERNAL.

    Listed first among the extensions, so it sees errors after MaskErrors replaced unexpected ones.
    """

    def _tag(self, errors: list[GraphQLError] | None, code: str) -> None:
        for error in errors or ():
            extensions = error.extensions if isinstance(error.extensions, dict) else {}
            extensions.setdefault("code", code)
            error.extensions = extensions

    def on_parse(self) -> Iterator[None]:
        yield
        self._tag(self.execution_context.pre_execution_errors, PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        self._tag(self.execution_context.pre_execution_errors, VALIDATION_FAILED)

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # The parser cache parses inside its own hook; what it raises escapes the parse phase.
            self._tag([error], PARSE_FAILED if self.execution_context.graphql_document is None else BAD_USER_INPUT)
            raise
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        masked = [e for e in result.errors if e.message == MASKED]
        self._tag(masked, INTERNAL)
        # What is left: variables that could not be coerced, and errors resolvers raised on purpose.
        self._tag(result.errors, BAD_USER_INPUT)
