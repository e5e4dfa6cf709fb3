"""Expected mutation errors: typed members of each result union, every one a `MutationError`."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, ErrorCode


@strawberry.interface(description="Every expected mutation failure; nothing was changed when one is returned.")
class MutationError:
    code: str
    message: str
    field: str | None = None


@strawberry.type(description="The input was refused: bad address, too many recipients, header injection, ...")
class ValidationError(MutationError):
    pass


@strawberry.type(description="No such record in your organization.")
class NotFoundError(MutationError):
    pass


@strawberry.type(description="The record's state does not allow this (e.g. editing a SENT email).")
class InvalidStateError(MutationError):
    pass


@strawberry.type(description="An idempotency key was reused with a different payload.")
class IdempotencyConflictError(MutationError):
    pass


@strawberry.type(description="A recipient hard-bounced before; pass allowSuppressed to send anyway.")
class RecipientSuppressedError(MutationError):
    addresses: list[str]


@strawberry.type(
    description=(
        "A worker is sending the email, or an earlier attempt may already have reached Gmail: it can no longer "
        "be taken back (code SEND_IN_PROGRESS). Watch it settle as SENT or FAILED."
    )
)
class SendInProgressError(MutationError):
    pass


ErrorType = ValidationError | NotFoundError | InvalidStateError | IdempotencyConflictError | RecipientSuppressedError

_STATE_CODES = {
    ErrorCode.ILLEGAL_TRANSITION,
    ErrorCode.ACCOUNT_NOT_ACTIVE,
    ErrorCode.BOUNCE_ALREADY_LINKED,
    ErrorCode.BOUNCE_NOT_LINKED,
}


def to_graphql(error: DomainError) -> ErrorType:
    """The GraphQL member for a domain error."""
    code, message, field = error.code.value, error.message, error.field
    if error.code == ErrorCode.NOT_FOUND:
        return NotFoundError(code=code, message=message, field=field)
    if error.code in _STATE_CODES:
        return InvalidStateError(code=code, message=message, field=field)
    if error.code == ErrorCode.IDEMPOTENCY_CONFLICT:
        return IdempotencyConflictError(code=code, message=message, field=field)
    if error.code == ErrorCode.RECIPIENT_SUPPRESSED:
        addresses = list(getattr(error, "addresses", []))
        return RecipientSuppressedError(code=code, message=message, field=field, addresses=addresses)
    return ValidationError(code=code, message=message, field=field)


def query_error(error: DomainError) -> GraphQLError:
    """A query's bad argument as a visible GraphQL error carrying the domain code."""
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


def member_of(error: DomainError, allowed: tuple[type, ...]) -> Any:
    """The GraphQL member for a domain error a mutation with a narrow union can return; an error
    outside its union is a bug in that mutation, raised (and masked) rather than mistyped."""
    member: Any = (
        SendInProgressError(code=error.code.value, message=error.message, field=error.field)
        if error.code == ErrorCode.SEND_IN_PROGRESS
        else to_graphql(error)
    )
    if not isinstance(member, allowed):
        raise TypeError(f"{error!r} is not part of this mutation's result union") from error
    return member
