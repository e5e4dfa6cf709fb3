"""GraphQL shapes shared by the token API: scopes and context references."""

from __future__ import annotations

import uuid
from enum import Enum

import strawberry

from domain.grants import ContextRef, Scope


@strawberry.enum(name="TokenScope", description="One kind of operation a token may perform.")
class TokenScope(Enum):
    EMAILS_READ = strawberry.enum_value(
        "EMAILS_READ", description="Read emails, synced messages, bounces, and subscribe to their updates."
    )
    DRAFTS_WRITE = strawberry.enum_value(
        "DRAFTS_WRITE", description="Create, edit, unschedule and delete drafts (nothing leaves)."
    )
    EMAILS_SEND = strawberry.enum_value(
        "EMAILS_SEND", description="Make an email leave: sendEmail, scheduleDraft, retryEmail."
    )
    ACCOUNTS_READ = strawberry.enum_value(
        "ACCOUNTS_READ", description="List the connected Gmail accounts; read an email's `account`."
    )
    ACCOUNTS_MANAGE = strawberry.enum_value("ACCOUNTS_MANAGE", description="Connect and disconnect Gmail accounts.")
    SUPPRESSIONS_MANAGE = strawberry.enum_value(
        "SUPPRESSIONS_MANAGE",
        description="List, add and remove suppressed addresses, and link or unlink bounces (organization-wide).",
    )
    CONTENT_MANAGE = strawberry.enum_value(
        "CONTENT_MANAGE",
        description="Register context types, push entity data, manage templates and settings (API tokens only).",
    )
    WEBHOOKS_MANAGE = strawberry.enum_value(
        "WEBHOOKS_MANAGE",
        description="Create, change, rotate, redeliver and delete webhook endpoints (API tokens only).",
    )
    CLIENT_TOKENS_CREATE = strawberry.enum_value(
        "CLIENT_TOKENS_CREATE", description="Mint client tokens for browsers (API tokens only)."
    )
    TOKENS_MANAGE = strawberry.enum_value(
        "TOKENS_MANAGE", description="List, create and revoke API tokens (API tokens only)."
    )


def to_scopes(values: list[TokenScope]) -> frozenset[Scope]:
    """GraphQL enum values as domain scopes."""
    return frozenset(Scope(v.name) for v in values)


def from_scopes(scopes: frozenset[Scope] | set[Scope] | list[str]) -> list[TokenScope]:
    """Domain scopes as GraphQL enum values, in a stable order."""
    return [TokenScope[name] for name in sorted(str(s) for s in scopes)]


@strawberry.input(description="One of your app's entities that emails are linked to, e.g. an invoice.")
class ContextRefInput:
    context_type: str = strawberry.field(description="The kind of entity, as given to emails (e.g. `invoice`).")
    context_id: uuid.UUID = strawberry.field(
        description="The entity's id: a UUID, the same type as emails' `contextId`."
    )

    def to_domain(self) -> ContextRef:
        return ContextRef(self.context_type, self.context_id)


@strawberry.type(description="A context a client token is restricted to.")
class ContextRefType:
    context_type: str = strawberry.field(description="The kind of entity (e.g. `invoice`).")
    context_id: uuid.UUID = strawberry.field(description="The entity's id (a UUID).")
