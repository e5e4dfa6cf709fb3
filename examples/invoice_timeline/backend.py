"""The invoice timeline's tiny backend: serves the page and hands the browser a client token.

A real app keeps its Mailtrail API token on its server, like this script does, and gives each
browser a short-lived client token restricted to what that page shows: here one invoice, with
the scopes to read its emails and send new ones. Standard library only; no build step.

    MAILTRAIL_API_TOKEN=$(cat .mailtrail/demo_token) python examples/invoice_timeline/backend.py \\
        --api http://127.0.0.1:8000 --port 8090
    # then open http://127.0.0.1:8090/ (another origin than the API: `make run` allows it)
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

HERE = Path(__file__).resolve().parent
DEFAULT_INVOICE = "6f1c2a52-7b0e-4c1e-9d1a-3f5b8e2c4a10"

MINT = """mutation Mint($invoice: UUID!) {
  createClientToken(input: {
    scopes: [EMAILS_READ, EMAILS_SEND]
    contexts: [{contextType: "invoice", contextId: $invoice}]
    ttlSeconds: 900
  }) {
    __typename
    ... on ClientTokenCreated { token expiresAt }
    ... on MutationError { code message }
  }
}"""
ACCOUNTS = "query Accounts { mailAccounts { id email } }"


def graphql(api: str, token: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One GraphQL call with the server's API token."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = Request(
        api.rstrip("/") + "/graphql",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
    if answer.get("errors"):
        raise RuntimeError(answer["errors"][0]["message"])
    return dict(answer["data"])


def make_handler(api: str, api_token: str, invoice: str) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(HERE / "static"), **kwargs)

        def do_POST(self) -> None:
            if self.path != "/session":
                self.send_error(404)
                return
            minted = graphql(api, api_token, MINT, {"invoice": invoice})["createClientToken"]
            if minted["__typename"] != "ClientTokenCreated":
                self.send_error(502, minted.get("message", "no client token"))
                return
            # The page needs an account to send from; the server picks it (the browser's token cannot list them).
            account = graphql(api, api_token, ACCOUNTS)["mailAccounts"][0]
            body = json.dumps(
                {
                    "api": api,
                    "token": minted["token"],
                    "expiresAt": minted["expiresAt"],
                    "invoice": invoice,
                    "accountId": account["id"],
                    "from": account["email"],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the page's own console shows what happens

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="Mailtrail's base URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--invoice", default=DEFAULT_INVOICE, help="the invoice (a UUID) the page shows")
    args = parser.parse_args()
    token = os.environ.get("MAILTRAIL_API_TOKEN") or Path(".mailtrail/demo_token").read_text().strip()
    uuid.UUID(args.invoice)  # refuse a malformed id here rather than in the browser
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.api, token, args.invoice))
    print(f"Invoice timeline on http://{args.host}:{server.server_port}/ (API {args.api})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
