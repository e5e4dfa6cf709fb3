"""The console: GraphiQL with its assets served by Mailtrail, for browsers, whatever the query string."""

from __future__ import annotations

import re

import pytest

from api import console
from api.app import create_app

pytestmark = pytest.mark.skipif(not console.assets_installed(), reason="run `make console` (make test does)")


async def test_a_browser_reloading_a_page_with_a_query_gets_the_console_not_a_401(client, db) -> None:
    for url in ("/graphql", "/graphql?query=%7B%20mailAccounts%20%7B%20id%20%7D%20%7D&variables=%7B%7D"):
        response = await client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
        assert response.status_code == 200, url
        assert 'id="graphiql"' in response.text
    # A program asking for JSON still needs a token.
    assert (await client.get("/graphql?query=%7B__typename%7D")).status_code == 401


async def test_the_page_loads_nothing_from_another_host_and_its_assets_are_served(client, db) -> None:
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page) if not s.startswith("data:")]
    assert sources and all(s.startswith(console.ASSETS_PATH + "/") for s in sources), sources
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 1000, source
    assert "cdn" not in (await client.get(console.ASSETS_PATH + "/console.js")).text.lower()
    assert (await client.get(console.ASSETS_PATH + "/../package.json")).status_code == 404


async def test_the_embedded_console_opens_with_the_demo_token_and_example_operations(settings, db) -> None:
    import html
    import json

    import httpx

    from tests.factories import make_tenant

    tenant = make_tenant()
    app = create_app(settings, extras={"console_token": tenant.token})
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            page = (await http.get("/graphql", headers={"Accept": "text/html"})).text
    finally:
        await app.state.services.engine.dispose()
    config = json.loads(html.unescape(re.search(r'data-config="([^"]+)"', page).group(1)))  # type: ignore[union-attr]
    assert json.loads(config["headers"]) == {"Authorization": f"Bearer {tenant.token}"}
    queries = "\n".join(tab["query"] for tab in config["tabs"])
    for name in ("query Accounts", "mutation Send(", "subscription Watch", "mutation ClientToken("):
        assert name in queries
    assert str(tenant.account_id) in config["tabs"][1]["variables"]
