"""`createClientToken`: an API token (a server) mints a short-lived token for a browser."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from api.errors import ValidationError, member_of
from api.token_keys import ClientTokenKeys
from api.token_types import ContextRefInput, TokenScope, from_scopes, to_scopes
from api.types import Info
from domain.errors import DomainError, ErrorCode
from domain.grants import grant_client_token


@strawberry.input(description="What the client token may do, where, and for how long.")
class CreateClientTokenInput:
    scopes: list[TokenScope] = strawberry.field(
        description="Scopes it holds: a subset of the calling API token's, never CLIENT_TOKENS_CREATE or "
        "TOKENS_MANAGE. With `contexts`, only EMAILS_READ, DRAFTS_WRITE, EMAILS_SEND and ACCOUNTS_READ."
    )
    contexts: list[ContextRefInput] | None = strawberry.field(
        default=None,
        description="Restrict it to these contexts (at most 20): it sees only their emails, messages, updates "
        "and bounces, and creates drafts and sends only linked to them. Null: the whole organization.",
    )
    ttl_seconds: int | None = strawberry.field(
        default=None,
        description="Lifetime in seconds; null: `client_token_ttl_seconds` (900, 15 minutes); at most "
        "`client_token_max_ttl_seconds` (86400, 24 hours).",
    )


@strawberry.type(description="A new client token: give it to the browser; it cannot be revoked one by one.")
class ClientTokenCreated:
    token: str = strawberry.field(
        description="The bearer token (a signed JWT): `Authorization: Bearer <token>` over HTTP, "
        '`{"Authorization": "Bearer <token>"}` in connection_init over WebSocket.'
    )
    expires_at: datetime = strawberry.field(description="When it stops working (to the second).")
    scopes: list[TokenScope] = strawberry.field(description="The scopes it holds.")


CreateClientTokenResult = Annotated[
    ClientTokenCreated | ValidationError,
    strawberry.union("CreateClientTokenResult", description="The new client token, or why none was made."),
]


@strawberry.type
class ClientTokenMutations:
    @strawberry.mutation(
        description="Mint a short-lived client token for a browser. Only an API token may call this; errors: "
        "API_TOKEN_REQUIRED, SCOPE_NOT_HELD, INVALID_INPUT."
    )
    def create_client_token(
        self,
        info: Info,
        input: Annotated[CreateClientTokenInput, strawberry.argument(description="Its scopes, contexts and lifetime.")],
    ) -> CreateClientTokenResult:
        ctx = info.context
        principal = ctx.principal
        settings = ctx.settings
        try:
            if principal is None or principal.is_client:
                raise DomainError(ErrorCode.API_TOKEN_REQUIRED, "only an API token can create client tokens")
            grant = grant_client_token(
                principal.scopes,
                to_scopes(input.scopes),
                [c.to_domain() for c in input.contexts] if input.contexts is not None else None,
                input.ttl_seconds,
                settings.client_token_ttl_seconds,
                settings.client_token_max_ttl_seconds,
            )
        except DomainError as error:
            return member_of(error, CreateClientTokenResult)  # type: ignore[no-any-return]
        if principal.expires_at is not None and principal.expires_at < time.time() + grant.ttl_seconds:
            outlives = DomainError(
                ErrorCode.INVALID_INPUT, "the token would outlive the API token minting it", "ttlSeconds"
            )
            return member_of(outlives, CreateClientTokenResult)  # type: ignore[no-any-return]
        keys: ClientTokenKeys = ctx.services.authenticator.keys
        token, claims = keys.sign(principal.organization_id, principal.token_id, grant)
        return ClientTokenCreated(
            token=token,
            expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
            scopes=from_scopes(claims.scopes),
        )
