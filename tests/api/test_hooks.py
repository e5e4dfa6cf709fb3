"""Extension hooks run by api.hooks.HooksMadeOnce run exactly as Strawberry's own runner runs them.

The same extensions (generator, async generator, plain and coroutine hooks; one refusing the
operation, one seeing the error leave) on two schemas, one with each runner: the same results and
the same hooks entered and left, in the same order, request after request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from api.hooks import HooksMadeOnce

LOG: list[str] = []


class Generators(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        LOG.append("operation in")
        try:
            yield
        except GraphQLError as error:
            LOG.append(f"operation saw {error.message}")
            raise
        LOG.append("operation out")

    def on_parse(self) -> Iterator[None]:
        LOG.append("parse in")
        yield
        LOG.append(f"parse out {self.execution_context.graphql_document is not None}")


class AsyncGenerators(SchemaExtension):
    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
        LOG.append("validate in")
        yield
        LOG.append(f"validate out {len(self.execution_context.pre_execution_errors or [])}")


class Plain(SchemaExtension):
    def on_execute(self) -> None:  # type: ignore[override]
        LOG.append("execute plain")


class Coroutine(SchemaExtension):
    async def on_execute(self) -> None:  # type: ignore[override]
        LOG.append("execute coroutine")


class Refuses(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        if self.execution_context.operation_name == "Refused":
            raise GraphQLError("refused", extensions={"code": "FORBIDDEN"})
        LOG.append("execute generator")
        yield
        LOG.append("execute generator out")


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "you") -> str:
        if name == "boom":
            raise ValueError("boom")
        return f"hello {name}"


class MadeOnceSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return HooksMadeOnce(execution_context=execution_context, extensions=extensions)


EXTENSIONS = [Generators, AsyncGenerators, Plain, Coroutine, Refuses]
DOCUMENTS = [
    ("query Ok { hello }", None),
    ('query Ok { hello(name: "boom") }', None),
    ("query Refused { hello }", "Refused"),
    ("query Bad { nope }", None),
    ("query Broken { hello", None),
    ("query Ok { hello }", None),
]


async def run(schema: strawberry.Schema) -> list[tuple[Any, list[str]]]:
    seen = []
    for document, name in DOCUMENTS:
        LOG.clear()
        result = await schema.execute(document, operation_name=name)
        errors = [(e.message, e.extensions) for e in result.errors or []]
        seen.append(((result.data, errors), list(LOG)))
    return seen


@pytest.mark.parametrize("repeat", range(2))
async def test_hooks_made_once_run_as_strawberrys_own(repeat: int) -> None:
    ours = await run(MadeOnceSchema(query=Query, extensions=EXTENSIONS))
    theirs = await run(strawberry.Schema(query=Query, extensions=EXTENSIONS))
    assert ours == theirs
    assert any("operation saw refused" in log for _, log in ours)
