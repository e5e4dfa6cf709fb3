"""The console: GraphiQL served with its assets by Mailtrail itself, so it works with no internet.

The assets come from the npm packages pinned in api/console/package.json, installed by the
project's own set-up (`make console`, part of `make install`) into api/console/node_modules/; the
page never fetches anything from another host. Browsers asking for HTML at /graphql get the page,
whatever the query string (GraphiQL writes `?query=` into the URL, so a reload must find it).
In the embedded mode (`make run`) the page opens ready: the demo token in the headers, example
operations in tabs, and subscriptions over graphql-transport-ws with the headers as
connection_init's payload.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from api.console.examples import example_tabs
from domain.records import MailAccount

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
ASSETS_PATH = "/graphql/console"
ASSETS: dict[str, Path] = {
    "react.js": MODULES / "react/umd/react.production.min.js",
    "react-dom.js": MODULES / "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": MODULES / "graphiql/graphiql.min.js",
    "graphiql.css": MODULES / "graphiql/graphiql.min.css",
    "console.js": HERE / "console.js",
}
MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def assets_installed() -> bool:
    """Whether `make console` has put the npm packages in place."""
    return all(path.is_file() for path in ASSETS.values())


def wants_console(request: Request) -> bool:
    """A browser navigating to /graphql (it asks for HTML), whatever the query string says."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def console_page(demo_token: str | None, demo_account_id: str | None = None) -> Response:
    """The GraphiQL page; with `demo_token` (the embedded mode), ready to use."""
    if not assets_installed():
        return HTMLResponse(
            "<!doctype html><title>Mailtrail console</title><p>The console's assets are not installed. "
            "Run <code>make console</code> (it installs the npm packages in api/console/) and reload.</p>",
            status_code=503,
        )
    config = {
        "headers": json.dumps({"Authorization": f"Bearer {demo_token or '<your token>'}"}, indent=2),
        "tabs": example_tabs(demo_account_id) if demo_token else [],
        "persistHeaders": demo_token is None,
    }
    page = (HERE / "page.html").read_text()
    return HTMLResponse(
        page.replace("{{assets}}", ASSETS_PATH).replace("{{config}}", html.escape(json.dumps(config), quote=True)),
        headers={"Cache-Control": "no-store"},
    )


async def console_asset(request: Request) -> Response:
    """One of the console's files, by its fixed name (nothing else under node_modules is served)."""
    path = ASSETS.get(request.path_params["name"])
    if path is None or not path.is_file():
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(path, media_type=MEDIA[path.suffix], headers={"Cache-Control": "public, max-age=3600"})


async def page_for(services: Any) -> Response:
    """The page for this process: ready to use with the demo token in the embedded mode."""
    token = services.extras.get("console_token")
    account_id = None
    if token:
        principal = await services.authenticator.authenticate(token)
        if principal is not None:
            async with services.sessions() as session:
                account = (
                    await session.exec(
                        select(MailAccount.id)
                        .where(MailAccount.organization_id == principal.organization_id)
                        .order_by(col(MailAccount.created_at))
                    )
                ).first()
            account_id = str(account) if account is not None else None
    return console_page(token, account_id)
