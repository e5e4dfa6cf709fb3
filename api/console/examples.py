"""The operations the console opens with in `make run`: one tab each, named, with their variables."""

from __future__ import annotations

import json

READ = """# Run "Accounts" first: sendEmail needs one of these ids (the Send tab has the demo account's).
query Accounts {
  mailAccounts { id email state }
}

query Emails {
  outboundEmails(first: 10) {
    totalCount
    edges {
      node {
        id status deliveryStatus subject to contextType contextId createdAt
        bounceDetails { bouncedRecipients { email statusCode diagnostic } }
      }
    }
  }
}
"""

SEND = """# Variables go in the Variables pane below. Any address in a .invalid domain bounces.
mutation Send($account: ID!, $invoice: UUID!) {
  sendEmail(input: {
    accountId: $account
    to: ["client@example.com", "nobody@nowhere.invalid"]
    subject: "Invoice INV-2"
    bodyText: "Hello, your invoice is attached."
    contextType: "invoice"
    contextId: $invoice
  }) {
    __typename
    ... on EmailQueued { outboundEmail { id status } }
    ... on MutationError { code message field }
  }
}
"""

WATCH = """# Runs over a WebSocket (graphql-transport-ws); the headers above go into connection_init.
# Start it, then run Send in another tab, and watch PENDING -> SENT -> bounce detected.
subscription Watch {
  outboundEmailUpdates {
    kind event cursor
    outboundEmail {
      id status deliveryStatus
      bounceDetails { bouncedRecipients { email statusCode diagnostic } }
    }
  }
}
"""

CLIENT_TOKEN = """# A browser's token: short-lived, scoped, here restricted to one invoice.
mutation ClientToken($invoice: UUID!) {
  createClientToken(input: {
    scopes: [EMAILS_READ, EMAILS_SEND]
    contexts: [{contextType: "invoice", contextId: $invoice}]
    ttlSeconds: 900
  }) {
    __typename
    ... on ClientTokenCreated { token expiresAt scopes }
    ... on MutationError { code message field }
  }
}
"""

INVOICE = "6f1c2a52-7b0e-4c1e-9d1a-3f5b8e2c4a10"


def example_tabs(account_id: str | None) -> list[dict[str, str]]:
    """The tabs, with the demo account's id filled in where one is known."""
    send_vars = json.dumps({"account": account_id or "<an id from Accounts>", "invoice": INVOICE}, indent=2)
    return [
        {"query": READ},
        {"query": SEND, "variables": send_vars},
        {"query": WATCH},
        {"query": CLIENT_TOKEN, "variables": json.dumps({"invoice": INVOICE}, indent=2)},
    ]
