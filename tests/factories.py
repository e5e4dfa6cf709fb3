"""Plain functions that make records for tests (no factory library needed at this size)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.records import AccountState, MailAccount
from domain.tokens import ensure_organization, issue_token
from workers.db import session_scope


@dataclass(frozen=True)
class Tenant:
    organization_id: uuid.UUID
    token: str
    account_id: uuid.UUID
    account_email: str


def make_tenant(name: str | None = None, email: str | None = None, **account: Any) -> Tenant:
    """An organization with a token and one ACTIVE mail account."""
    name = name or f"org-{uuid.uuid4().hex[:8]}"
    email = email or f"{name}@example.com"
    with session_scope() as session:
        org = ensure_organization(session, name)
        token = issue_token(session, org.id, name="test")
        row = MailAccount(
            organization_id=org.id,
            email=email.lower(),
            display_name=name.title(),
            state=AccountState.ACTIVE,
            **account,
        )
        session.add(row)
        session.flush()
        return Tenant(org.id, token, row.id, row.email)


async def gql(client: Any, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    """POST a GraphQL operation; return the JSON body (asserting HTTP 200)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def make_connected_tenant(gmail: Any, name: str | None = None, address: str | None = None, **account: Any) -> Tenant:
    """A tenant whose account is really connected to an emulator mailbox (encrypted credentials, cursor)."""
    from domain.settings import get_settings
    from workers.credentials import CredentialCipher

    name = name or f"org-{uuid.uuid4().hex[:8]}"
    address = (address or f"{name}@mailtrail.test").lower()
    gmail.create_mailbox(address, display_name=name.title())
    access, refresh = gmail.issue_token(address)
    box = gmail.store.mailbox(address)
    credentials = {
        "token": access,
        "refresh_token": refresh,
        "scopes": ["https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/gmail.readonly"],
    }
    cipher = CredentialCipher.from_settings(get_settings())
    return make_tenant(
        name,
        address,
        credentials_encrypted=cipher.encrypt(credentials),
        scopes=credentials["scopes"],
        history_id=box.history_id,
        **account,
    )
