"""Schemathesis (GraphQL mode) against the live server: no 5xx and no masked "Unexpected error.".

Every query and mutation of schema.graphql is called with generated arguments, over real HTTP to
real uvicorn, with a valid token (so calls get past auth into resolvers and use cases). Scalars
are fuzzed beyond their valid forms: any text for a DateTime or a UUID, strings with NUL and
unpaired surrogates, huge and negative integers. Every error must be one the client can act on:
a typed result, or a GraphQL error carrying a code. `MAILTRAIL_FUZZ_EXAMPLES` raises the number
of cases per operation for a longer run (the suite keeps it small).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import graphql
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.conftest import API_URL
from tests.factories import Tenant, make_connected_tenant

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("MAILTRAIL_FUZZ_EXAMPLES", "15"))
SEEN: dict[str, int] = {"cases": 0, "data": 0, "typed errors": 0, "refused": 0}

nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["a\x00b", "\ud800", "x\u2028y", "9999-12-31T23:59:59-23:59", "", " ", "0" * 30]),
)


def string_node(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return strategy.map(lambda value: graphql.StringValueNode(value=value))


datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()).map(
    lambda value: value.isoformat()
)


def literal(value: Any) -> graphql.ValueNode:
    """A JSON value written as a GraphQL literal (what a client puts inline for a JSON argument)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(literal(v) for v in value))
    return graphql.ObjectValueNode(
        fields=tuple(
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=literal(v)) for k, v in value.items()
        )
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | nasty_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True), children, max_size=4)
    ),
    max_leaves=12,
)
schemathesis.graphql.scalar("DateTime", string_node(st.one_of(datetimes, nasty_text)))
schemathesis.graphql.scalar("JSON", json_values.map(literal))
schemathesis.graphql.scalar("UUID", string_node(st.one_of(st.uuids().map(str), nasty_text)))

schema = schemathesis.graphql.from_path(str(ROOT / "schema.graphql"))


@pytest.fixture
def fuzz_tenant(db: str, gmail, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def problems(response: requests.Response) -> list[str]:
    """What makes an answer unusable to a client: a 5xx, a masked error, an error without a code."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:300]}"]
    if response.status_code in (401, 403, 404, 405):
        return [f"HTTP {response.status_code}: the fuzzer never reached the API"]
    if response.status_code != 200:
        return []  # a 4xx refusal of the request itself (e.g. a body with NUL) is an answer
    body: dict[str, Any] = response.json()
    found = []
    for error in body.get("errors") or []:
        if error.get("message") == "Unexpected error." or "code" not in (error.get("extensions") or {}):
            found.append(str(error)[:300])
    return found


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_call_gets_a_server_error_or_an_unexplained_one(case: Any, fuzz_tenant: Tenant) -> None:
    SEEN["cases"] += 1
    response = case.call(
        base_url=f"{API_URL}/graphql", headers={"Authorization": f"Bearer {fuzz_tenant.token}"}, timeout=30
    )
    assert problems(response) == [], case.as_curl_command()
    if response.status_code != 200:
        SEEN["refused"] += 1
    elif response.json().get("errors"):
        SEEN["typed errors"] += 1
    else:
        SEEN["data"] += 1


def test_the_fuzzer_ran_cases(request: pytest.FixtureRequest) -> None:
    """Runs last in this module: an empty fuzz run must not pass silently."""
    if request.config.getoption("-k") or (request.config.args and "::" in " ".join(request.config.args)):
        pytest.skip("only part of the module was selected")
    assert SEEN["cases"] >= 18 * EXAMPLES // 2, SEEN
    assert SEEN["data"] > 0, SEEN  # some calls went all the way through resolvers and use cases
    print(f"\nschemathesis: {SEEN} at {datetime.now(UTC):%H:%M:%S}")
