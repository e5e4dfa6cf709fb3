"""What a token may do: scopes, context restrictions, and the rules for handing them on.

An API token (server side, stored hashed) holds scopes; tokens made before scopes existed hold
them all. A client token (short-lived, for a browser) is minted by an API token and holds a
subset of its scopes, optionally restricted to some of the organization's contexts (e.g. one
invoice). Pure rules: no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError, ErrorCode


class Scope(StrEnum):
    """One kind of operation a token may perform; clients branch on these names, never rename one."""

    EMAILS_READ = "EMAILS_READ"
    DRAFTS_WRITE = "DRAFTS_WRITE"
    EMAILS_SEND = "EMAILS_SEND"
    ACCOUNTS_READ = "ACCOUNTS_READ"
    ACCOUNTS_MANAGE = "ACCOUNTS_MANAGE"
    SUPPRESSIONS_MANAGE = "SUPPRESSIONS_MANAGE"
    CONTENT_MANAGE = "CONTENT_MANAGE"
    WEBHOOKS_MANAGE = "WEBHOOKS_MANAGE"
    CLIENT_TOKENS_CREATE = "CLIENT_TOKENS_CREATE"
    TOKENS_MANAGE = "TOKENS_MANAGE"


ALL_SCOPES: frozenset[Scope] = frozenset(Scope)
SERVER_ONLY: frozenset[Scope] = frozenset(
    {Scope.CLIENT_TOKENS_CREATE, Scope.TOKENS_MANAGE, Scope.CONTENT_MANAGE, Scope.WEBHOOKS_MANAGE}
)
"""Scopes a client token never holds: a browser cannot mint or manage tokens, change the app's
context data and templates, or point webhooks anywhere."""
CONTEXT_SCOPES: frozenset[Scope] = frozenset(
    {Scope.EMAILS_READ, Scope.DRAFTS_WRITE, Scope.EMAILS_SEND, Scope.ACCOUNTS_READ}
)
"""What a context-restricted token may hold: organization-wide powers (accounts, suppressions)
would reach past its contexts."""
MAX_CONTEXTS = 20


@dataclass(frozen=True, slots=True)
class ContextRef:
    """One of the app's entities emails are linked to (`contextType`, `contextId`)."""

    context_type: str
    context_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ClientGrant:
    """What a client token will carry, once checked."""

    scopes: frozenset[Scope]
    contexts: tuple[ContextRef, ...] | None
    ttl_seconds: int


def parse_scopes(names: Iterable[str], field: str = "scopes") -> frozenset[Scope]:
    """Scope names as members, or a typed error naming the unknown one."""
    scopes = set()
    for name in names:
        try:
            scopes.add(Scope(name))
        except ValueError:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{name!r} is not a scope", field) from None
    return frozenset(scopes)


def stored_scopes(names: list[str] | None) -> frozenset[Scope]:
    """The scopes of a stored API token; None (a token from before scopes) means all of them."""
    if names is None:
        return ALL_SCOPES
    return frozenset(Scope(n) for n in names if n in Scope.__members__)


def grant_api_token(holder: frozenset[Scope], requested: frozenset[Scope]) -> frozenset[Scope]:
    """A new API token holds at most what the token creating it holds."""
    if not requested:
        raise DomainError(ErrorCode.INVALID_INPUT, "give at least one scope", "scopes")
    missing = requested - holder
    if missing:
        raise DomainError(ErrorCode.SCOPE_NOT_HELD, f"this token does not hold {', '.join(sorted(missing))}", "scopes")
    return requested


def grant_client_token(
    holder: frozenset[Scope],
    requested: frozenset[Scope],
    contexts: list[ContextRef] | None,
    ttl_seconds: int | None,
    default_ttl: int,
    max_ttl: int,
) -> ClientGrant:
    """Check what an API token asks a client token to carry; raise a typed error otherwise."""
    if not requested:
        raise DomainError(ErrorCode.INVALID_INPUT, "give at least one scope", "scopes")
    server_only = requested & SERVER_ONLY
    if server_only:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"a client token cannot hold {', '.join(sorted(server_only))}", "scopes"
        )
    grant_api_token(holder, requested)
    if contexts is not None:
        if not contexts:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "contexts, when given, must name at least one context", "contexts"
            )
        if len(contexts) > MAX_CONTEXTS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"at most {MAX_CONTEXTS} contexts", "contexts")
        wide = requested - CONTEXT_SCOPES
        if wide:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"a context-restricted token cannot hold {', '.join(sorted(wide))} (it reaches the whole organization)",
                "scopes",
            )
        for ref in contexts:
            if not ref.context_type or len(ref.context_type) > 100:
                raise DomainError(ErrorCode.INVALID_INPUT, "contextType must be 1 to 100 characters", "contexts")
    ttl = default_ttl if ttl_seconds is None else ttl_seconds
    if not 1 <= ttl <= max_ttl:
        raise DomainError(ErrorCode.INVALID_INPUT, f"ttlSeconds must be between 1 and {max_ttl}", "ttlSeconds")
    unique = tuple(dict.fromkeys(contexts)) if contexts is not None else None
    return ClientGrant(requested, unique, ttl)


def allows_context(contexts: tuple[ContextRef, ...] | None, context_type: str | None, context_id: object) -> bool:
    """Whether an email linked to (context_type, context_id) lies within a token's contexts."""
    if contexts is None:
        return True
    return any(ref.context_type == context_type and ref.context_id == context_id for ref in contexts)
