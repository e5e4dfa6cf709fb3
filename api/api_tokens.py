"""API tokens over GraphQL: list, create (with scopes and an expiry) and revoke."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel import col, select

from api.errors import NotFoundError, ValidationError, member_of
from api.inputs import parse_id
from api.runner import run_use_case
from api.token_types import TokenScope, from_scopes, to_scopes
from api.types import Info
from domain import records, tokens
from domain.errors import DomainError, ErrorCode
from domain.grants import grant_api_token, stored_scopes


@strawberry.type(name="ApiToken", description="A server-side bearer token of your organization (never the secret).")
class ApiTokenInfo:
    id: strawberry.ID = strawberry.field(description="Pass to revokeApiToken.")
    name: str = strawberry.field(description="A label given when it was created.")
    hint: str = strawberry.field(description="The token's last 4 characters, to recognise it.")
    scopes: list[TokenScope] = strawberry.field(description="What it may do (tokens made before scopes: all).")
    created_at: datetime = strawberry.field(description="When it was created.")
    last_used_at: datetime | None = strawberry.field(
        description="When it was last seen, to within `token_cache_seconds`; null if never."
    )
    expires_at: datetime | None = strawberry.field(description="When it stops working; null: never.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while it works.")

    @classmethod
    def from_row(cls, row: records.ApiToken) -> ApiTokenInfo:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            hint=row.hint,
            scopes=from_scopes(stored_scopes(row.scopes)),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@strawberry.input(description="A new API token: a label, its scopes, and when it stops working.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="A label (at most 200 characters), e.g. the service that uses it.")
    scopes: list[TokenScope] = strawberry.field(description="What it may do: a subset of the calling token's.")
    expires_at: datetime | None = strawberry.field(default=None, description="When it stops working; null: never.")


@strawberry.type(description="A new API token. `token` is shown this once: store it now.")
class ApiTokenCreated:
    token: str = strawberry.field(description="The secret bearer token (`mt_...`); only its hash is stored.")
    api_token: ApiTokenInfo = strawberry.field(description="The stored token's details.")


@strawberry.type(description="The token no longer works (open subscriptions end within `token_cache_seconds`).")
class ApiTokenRevoked:
    api_token: ApiTokenInfo = strawberry.field(description="The revoked token's details.")


CreateApiTokenResult = Annotated[
    ApiTokenCreated | ValidationError,
    strawberry.union("CreateApiTokenResult", description="The new token, or why none was made."),
]
RevokeApiTokenResult = Annotated[
    ApiTokenRevoked | ValidationError | NotFoundError,
    strawberry.union("RevokeApiTokenResult", description="The revoked token, or why nothing was revoked."),
]


def _api_principal(info: Info) -> uuid.UUID:
    principal = info.context.principal
    if principal is None or principal.is_client:
        raise DomainError(ErrorCode.API_TOKEN_REQUIRED, "only an API token can manage API tokens")
    return principal.organization_id


@strawberry.type
class ApiTokenQuery:
    @strawberry.field(description="Your organization's API tokens that still work, oldest first.")
    async def api_tokens(self, info: Info) -> list[ApiTokenInfo]:
        T = records.ApiToken
        rows = await info.context.fetch(
            select(T)
            .where(T.organization_id == info.context.organization_id, col(T.revoked_at).is_(None))
            .order_by(col(T.created_at), col(T.id))
        )
        return [ApiTokenInfo.from_row(r) for r in rows]


@strawberry.type
class ApiTokenMutations:
    @strawberry.mutation(
        description="Create an API token with some of your scopes; errors: API_TOKEN_REQUIRED, SCOPE_NOT_HELD, "
        "INVALID_INPUT."
    )
    async def create_api_token(
        self,
        info: Info,
        input: Annotated[CreateApiTokenInput, strawberry.argument(description="Its name, scopes and expiry.")],
    ) -> CreateApiTokenResult:
        ctx = info.context
        try:
            organization_id = _api_principal(info)
            assert ctx.principal is not None
            scopes = grant_api_token(ctx.principal.scopes, to_scopes(input.scopes))
            if input.expires_at is not None and (input.expires_at.tzinfo is None):
                raise DomainError(ErrorCode.NAIVE_DATETIME, "expiresAt must include a timezone offset", "expiresAt")
            token, row = await run_use_case(
                ctx,
                lambda s: tokens.create_token(
                    s, organization_id, input.name, scopes=[str(x) for x in scopes], expires_at=input.expires_at
                ),
            )
        except DomainError as error:
            return member_of(error, CreateApiTokenResult)  # type: ignore[no-any-return]
        return ApiTokenCreated(token=token, api_token=ApiTokenInfo.from_row(row))

    @strawberry.mutation(
        description="Revoke one of your organization's API tokens (and the client tokens it minted); "
        "idempotent. Errors: API_TOKEN_REQUIRED, NOT_FOUND."
    )
    async def revoke_api_token(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The API token's id (ApiToken.id).")],
    ) -> RevokeApiTokenResult:
        ctx = info.context
        try:
            organization_id = _api_principal(info)
            token_id = parse_id(id, "id")
            row = await run_use_case(ctx, lambda s: tokens.revoke_token(s, organization_id, token_id))
        except DomainError as error:
            return member_of(error, RevokeApiTokenResult)  # type: ignore[no-any-return]
        ctx.services.authenticator.forget()  # this process stops trusting it at once
        return ApiTokenRevoked(api_token=ApiTokenInfo.from_row(row))
