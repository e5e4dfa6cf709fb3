"""The lean query path (api/lean.py) answers exactly what graphql-core answers, byte for byte.

Random queries over the read side of the schema (hypothesis-graphql's selections and arguments,
then aliases, repeated fields, fragments and `@skip`/`@include` added at random) run twice over
HTTP on the same data: once with the lean path, once with graphql-core alone. The bodies must be
equal. A spy on `LeanQuery.run` (it calls through) shows that most of them really took the lean path.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path
from typing import Any

import graphql
import hypothesis_graphql
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import lean, lean_fields
from api.settle import settle
from api.sharing import SharingExecutor
from bench.ratio_page import PAGE
from bench.seed import write_emails
from tests.factories import Tenant, gql, make_tenant

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = graphql.build_schema((ROOT / "schema.graphql").read_text())
READS = [
    "outboundEmail",
    "outboundEmails",
    "mailAccounts",
    "emailMessage",
    "emailMessages",
    "bounces",
    "suppressedAddresses",
    "suppressions",
    "suppressionEvents",
    "emailContext",
    "webhookEndpoints",
    "apiTokens",
]


def string_node(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return strategy.map(lambda value: graphql.StringValueNode(value=value))


SCALARS = {
    "DateTime": string_node(st.sampled_from(["2026-01-01T00:00:00+00:00", "2030-05-05T10:00:00Z", "yesterday"])),
    "UUID": string_node(st.one_of(st.uuids().map(str), st.just("not-a-uuid"))),
    "JSON": st.just(graphql.StringValueNode(value="x")),
}


def _field(node: graphql.FieldNode, **changes: Any) -> graphql.FieldNode:
    values = {k: getattr(node, k) for k in ("alias", "name", "arguments", "directives", "selection_set")}
    return graphql.FieldNode(**{**values, **changes})


def _flag(rng: random.Random, used: set[str]) -> tuple[graphql.DirectiveNode, ...]:
    name, variable = rng.choice([("include", "on"), ("include", "off"), ("skip", "on"), ("skip", "off")])
    used.add(variable)
    argument = graphql.ArgumentNode(
        name=graphql.NameNode(value="if"), value=graphql.VariableNode(name=graphql.NameNode(value=variable))
    )
    return (graphql.DirectiveNode(name=graphql.NameNode(value=name), arguments=(argument,)),)


def shuffle_shape(
    selection_set: graphql.SelectionSetNode, rng: random.Random, fragments: list[Any], used: set[str]
) -> Any:
    """The same selections written differently: aliases, repeats, fragments, directives."""
    out: list[Any] = []
    for node in selection_set.selections:
        if not isinstance(node, graphql.FieldNode):
            out.append(node)
            continue
        inner = shuffle_shape(node.selection_set, rng, fragments, used) if node.selection_set else None
        node = _field(node, selection_set=inner)
        roll = rng.random()
        if roll < 0.2:
            node = _field(node, alias=graphql.NameNode(value=f"{node.name.value}_{rng.randrange(3)}"))
        elif roll < 0.3:
            out.append(node)  # the same field twice: merged into one answer
        elif roll < 0.4:
            node = _field(node, directives=_flag(rng, used))
        if rng.random() < 0.15:
            out.append(
                graphql.InlineFragmentNode(
                    type_condition=None, selection_set=graphql.SelectionSetNode(selections=(node,))
                )
            )
        elif rng.random() < 0.1 and node.selection_set is None:  # a leaf: its fragment holds no spread
            fragments.append(node)
            out.append(graphql.FragmentSpreadNode(name=graphql.NameNode(value=f"F{len(fragments)}")))
        else:
            out.append(node)
    if rng.random() < 0.2:
        out.append(graphql.FieldNode(name=graphql.NameNode(value="__typename")))
    return graphql.SelectionSetNode(selections=tuple(out))


def with_fragments(document: graphql.DocumentNode, rng: random.Random) -> str | None:
    """The document reshaped; fragment spreads need their parent's type, so those become inline fragments on it."""
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    spread: list[Any] = []
    used: set[str] = set()
    reshaped = shuffle_shape(operation.selection_set, rng, spread, used)
    typed = graphql.TypeInfo(SCHEMA)
    names: dict[int, str] = {}

    class Name(graphql.Visitor):
        def enter_fragment_spread(self, node: graphql.FragmentSpreadNode, *_: Any) -> None:
            parent = typed.get_parent_type()
            if parent is not None:
                names[int(node.name.value[1:]) - 1] = parent.name

    variables = tuple(
        graphql.VariableDefinitionNode(
            variable=graphql.VariableNode(name=graphql.NameNode(value=v)),
            type=graphql.NonNullTypeNode(type=graphql.NamedTypeNode(name=graphql.NameNode(value="Boolean"))),
        )
        for v in sorted(used)
    )
    op = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=graphql.NameNode(value="Q"),
        variable_definitions=variables,
        directives=(),
        selection_set=reshaped,
    )
    graphql.visit(op, graphql.TypeInfoVisitor(typed, Name()))
    definitions: list[Any] = [op]
    for index, node in enumerate(spread):
        if index not in names:
            return None
        definitions.append(
            graphql.FragmentDefinitionNode(
                name=graphql.NameNode(value=f"F{index + 1}"),
                type_condition=graphql.NamedTypeNode(name=graphql.NameNode(value=names[index])),
                selection_set=graphql.SelectionSetNode(selections=(node,)),
            )
        )
    text = graphql.print_ast(graphql.DocumentNode(definitions=tuple(definitions)))
    return text if not graphql.validate(SCHEMA, graphql.parse(text)) else None


@pytest.fixture
def rich_tenant(db: str) -> Tenant:
    """Twelve emails with events, recipients and bounces, and synced messages linked to them."""
    from domain.records import EmailMessage, Relation
    from workers.db import session_scope

    tenant = make_tenant(f"lean{uuid.uuid4().hex[:6]}")
    with psycopg.connect(db) as conn:
        write_emails(conn, tenant.organization_id, tenant.account_id, 12)
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM outbound_email WHERE organization_id = %s", (tenant.organization_id,)
            )
        ]
    with session_scope() as session:
        for index, relation in enumerate([Relation.REPLY, Relation.BOUNCE, Relation.AUTO_REPLY]):
            session.add(
                EmailMessage(
                    organization_id=tenant.organization_id,
                    account_id=tenant.account_id,
                    gmail_id=f"g{index}",
                    thread_id="t",
                    outbound_email_id=ids[index],
                    relation=relation,
                    subject="Re",
                    is_bounce=relation == Relation.BOUNCE,
                    bounce_report={"recipients": []} if relation == Relation.BOUNCE else None,
                )
            )
    return tenant


class Spy:
    """Counts lean runs that finished and those that handed over to graphql-core (calling through)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.finished = self.handed_over = 0
        run = lean.LeanQuery.run
        spy = self

        async def counted(query: lean.LeanQuery) -> Any:
            try:
                result = await run(query)
            except Exception:
                spy.handed_over += 1
                raise
            spy.finished += 1
            return result

        monkeypatch.setattr(lean.LeanQuery, "run", counted)


async def both(client: Any, monkeypatch: pytest.MonkeyPatch, query: str, token: str) -> tuple[Any, Any]:
    variables = {"on": True, "off": False}
    quick = await gql(client, query, variables, token)
    with monkeypatch.context() as patch:
        patch.setattr(SharingExecutor, "lean_queries", False)
        plain = await gql(client, query, variables, token)
    return quick, plain


async def test_the_page_of_the_benchmark_is_the_same_on_both_paths(client, rich_tenant, monkeypatch) -> None:
    spy = Spy(monkeypatch)
    quick, plain = await both(client, monkeypatch, PAGE, rich_tenant.token)
    assert quick == plain
    assert len(quick["data"]["outboundEmails"]["edges"]) == 12
    assert spy.finished == 1 and spy.handed_over == 0


async def test_an_error_is_reported_by_graphql_core_exactly(client, rich_tenant, monkeypatch) -> None:
    spy = Spy(monkeypatch)
    query = 'query Q { outboundEmails(after: "garbage") { totalCount } mailAccounts { id } }'
    quick, plain = await both(client, monkeypatch, query, rich_tenant.token)
    assert quick == plain and quick["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert spy.handed_over == 1


async def test_random_selections_answer_the_same_on_both_paths(client, rich_tenant, monkeypatch) -> None:
    spy = Spy(monkeypatch)
    seen = {"compared": 0, "with data": 0}

    @settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        hypothesis_graphql.queries(SCHEMA, fields=READS, custom_scalars=SCALARS, print_ast=lambda d: d), st.randoms()
    )
    def case(document: graphql.DocumentNode, rng: random.Random) -> None:
        query = with_fragments(document, rng)
        if query is None:
            return
        quick, plain = runner.run(both(client, monkeypatch, query, rich_tenant.token))
        assert quick == plain, query
        seen["compared"] += 1
        seen["with data"] += bool(quick.get("data")) and not quick.get("errors")

    loop = asyncio.get_running_loop()

    class Runner:
        def run(self, coroutine: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)

    runner = Runner()
    await asyncio.to_thread(case)
    assert seen["compared"] >= 70, seen
    assert seen["with data"] >= 15, seen
    assert spy.finished >= 15 and spy.handed_over >= 5, (spy.finished, spy.handed_over)  # both branches ran


def test_resolvers_without_arguments_are_called_directly_and_the_others_through_strawberry() -> None:
    from strawberry.types.info import Info

    from api.schema import schema

    core = schema._schema
    email = core.type_map["OutboundEmail"]
    assert isinstance(email, graphql.GraphQLObjectType) and core.query_type is not None
    for name in ("events", "recipients", "bounceDetails", "account"):
        assert lean_fields.direct_call(email.fields[name], Info) is not None, name
    assert lean_fields.direct_call(core.query_type.fields["outboundEmails"], Info) is None  # it has arguments
    assert lean_fields.direct_call(email.fields["subject"], Info) is None  # plain: read, not called

    class OwnInfo(Info):
        pass

    assert lean_fields.direct_call(email.fields["events"], OwnInfo) is None  # a custom Info: Strawberry builds it


async def test_settle_answers_what_gather_answers_without_a_task_per_coroutine() -> None:
    def awaitables() -> list[Any]:
        loop = asyncio.get_running_loop()
        lock = asyncio.Lock()
        later: asyncio.Future[str] = loop.create_future()
        loop.call_later(0.01, later.set_result, "later")

        async def value(v: Any) -> Any:
            return v

        async def fails() -> None:
            raise ValueError("no")

        async def waits() -> str:
            return await later + "!"

        async def yields() -> str:
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return "yielded"

        async def holds() -> str:
            async with lock:
                await asyncio.sleep(0.01)  # the next one waits on this coroutine, not on a future alone
                return "held"

        async def queues() -> str:
            async with lock:
                return "queued"

        done: asyncio.Future[int] = loop.create_future()
        done.set_result(7)
        return [value(1), fails(), waits(), yields(), holds(), queues(), done, value(None)]

    def plain(results: list[Any]) -> list[Any]:
        return [repr(r) if isinstance(r, BaseException) else r for r in results]

    expected = plain(await asyncio.gather(*awaitables(), return_exceptions=True))
    created: list[Any] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    loop.set_task_factory(lambda loop, coro, **kw: created.append(coro) or asyncio.Task(coro, loop=loop, **kw))
    try:
        assert plain(await settle(awaitables())) == expected
    finally:
        loop.set_task_factory(previous)
    assert expected == [1, "ValueError('no')", "later!", "yielded", "held", "queued", 7, None]
    assert created == []  # the future went to gather (no task for it); the coroutines to no task at all


async def test_a_page_makes_no_task_per_email(client, rich_tenant) -> None:
    created: list[str] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()

    def count(loop: Any, coro: Any, **kw: Any) -> asyncio.Task[Any]:
        created.append(getattr(coro, "__qualname__", repr(coro)))
        return asyncio.Task(coro, loop=loop, **kw)

    loop.set_task_factory(count)
    try:
        body = await gql(client, PAGE, {}, rich_tenant.token)
    finally:
        loop.set_task_factory(previous)
    assert len(body["data"]["outboundEmails"]["edges"]) == 12
    assert len(created) < 12, created  # a DataLoader batch each, not a task per email and field


async def test_a_page_never_asks_its_lazy_rows_for_await(client, rich_tenant, monkeypatch) -> None:
    from api.recipients import Recipient
    from api.types import OutboundEmail

    asked: list[str] = []
    for kind in (OutboundEmail, Recipient):

        def spy(self: Any, name: str) -> Any:  # every lookup, those that fail included
            asked.append(name)
            return object.__getattribute__(self, name)

        monkeypatch.setattr(kind, "__getattribute__", spy)
    body = await gql(client, PAGE, {}, rich_tenant.token)
    assert len(body["data"]["outboundEmails"]["edges"]) == 12
    assert asked and "__await__" not in asked, asked  # lean_fields.never_awaitable: no AttributeError per value
