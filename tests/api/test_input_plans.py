"""A planned input type (api/input_plans.py) is built exactly as Strawberry's own conversion builds it.

Random values of the GraphQL input type (every field given, omitted or null at random; lists of
zero to three items; nested attachments and send conditions) are coerced by graphql-core, then
converted twice: through the planned `from_input`, and through Strawberry's walk with the hook
taken away. The two instances must be equal, field by field and type by type.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import get_object_definition

from api.input_plans import plan_inputs
from api.schema import build_schema
from api.sending import SendEmailInput

SCHEMA = build_schema()
MUTATION = SCHEMA.schema_converter.type_map["Mutation"].definition
SEND_EMAIL = next(f for f in MUTATION.fields if f.python_name == "send_email")  # type: ignore[union-attr]
INPUT_TYPE = SCHEMA._schema.mutation_type.fields["sendEmail"].args["input"].type  # type: ignore[union-attr]


def scalar(kind: str, rng: random.Random) -> Any:
    return {
        "String": lambda: rng.choice(["", "a", "Invoice 7", "ü\u2028x", "r@example.com"]),
        "ID": lambda: rng.choice([str(uuid.uuid4()), "not-an-id", ""]),
        "Boolean": lambda: rng.random() < 0.5,
        "Int": lambda: rng.randint(-5, 5),
        "Float": lambda: rng.random(),
        "UUID": lambda: str(uuid.uuid4()),
        "DateTime": lambda: rng.choice(["2030-01-02T03:04:05+00:00", "2030-01-02T03:04:05"]),
        "JSON": lambda: rng.choice([None, 1, "paid", ["paid", "void"], {"a": [1, 2]}]),
    }[kind]()


def value_of(type_: GraphQLInputType, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return value_of(type_.of_type, rng, depth)
    if isinstance(type_, GraphQLList):
        return [value_of(type_.of_type, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(type_, GraphQLEnumType):
        return rng.choice(list(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return scalar(type_.name, rng)
    assert isinstance(type_, GraphQLInputObjectType)
    out: dict[str, Any] = {}
    for name, field in type_.fields.items():
        draw = rng.random()
        if isinstance(field.type, GraphQLNonNull) or draw < 0.5:
            out[name] = value_of(field.type, rng, depth + 1)
        elif draw < 0.7:
            out[name] = None
    return out


@contextlib.contextmanager
def strawberry_walk(cls: type) -> Iterator[None]:
    """Strawberry's own conversion for `cls`, while the block runs."""
    definition = get_object_definition(cls, strict=True)
    planned, definition.from_input = definition.from_input, None
    try:
        yield
    finally:
        definition.from_input = planned


def convert(value: dict[str, Any]) -> Any:
    converter = SCHEMA.schema_converter
    return convert_arguments({"input": value}, SEND_EMAIL.arguments, converter.scalar_registry, SCHEMA.config)["input"]


def fields_of(instance: Any) -> dict[str, tuple[type, Any]]:
    return {name: (type(value), value) for name, value in vars(instance).items()}


@pytest.mark.parametrize("seed", range(400))
def test_a_planned_send_email_input_equals_strawberrys_own(seed: int) -> None:
    rng = random.Random(seed)
    raw = value_of(INPUT_TYPE, rng)
    coerced = coerce_input_value(raw, INPUT_TYPE)
    planned = convert(coerced)
    with strawberry_walk(SendEmailInput):
        walked = convert(coerced)
    assert type(planned) is SendEmailInput
    assert fields_of(planned) == fields_of(walked)
    for name in ("to", "cc", "bcc"):
        given = coerced.get(name)
        if isinstance(given, list):
            assert getattr(planned, name) is not given  # copied: graphql-core may share a default list


def test_the_planned_conversion_is_the_one_sendemail_uses() -> None:
    assert get_object_definition(SendEmailInput, strict=True).from_input is not None


def test_a_type_that_builds_itself_already_is_refused() -> None:
    with pytest.raises(ValueError, match="builds itself"):
        plan_inputs(SendEmailInput)


def test_a_type_with_maybe_fields_is_refused() -> None:
    @strawberry.input
    class Patch:
        name: strawberry.Maybe[str]

    with pytest.raises(ValueError, match="Maybe fields"):
        plan_inputs(Patch)
