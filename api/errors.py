"""Expected mutation errors: typed members of each result union, every one a `MutationError`."""

from __future__ import annotations

import typing
from typing import Any

import strawberry
from graphql import GraphQLError

from api.enums import describe_values
from domain.errors import DomainError, ErrorCode

MutationErrorCode = strawberry.enum(
    ErrorCode,
    name="MutationErrorCode",
    description="Why a mutation was refused: stable codes to branch on (never renamed). The error type "
    "groups them; `message` says it for a person.",
)
describe_values(
    ErrorCode,
    {
        ErrorCode.NOT_FOUND: "No such record in your organization (or outside your token's contexts).",
        ErrorCode.INVALID_INPUT: "A value is malformed or out of range; `field` names it.",
        ErrorCode.INVALID_EMAIL: "Not an email address (RFC 5322 addr-spec).",
        ErrorCode.TOO_MANY_RECIPIENTS: "More recipients (to + cc + bcc) than `max_recipients` allows.",
        ErrorCode.HEADER_INJECTION: "A line break (CR, LF or another line separator) in a header value.",
        ErrorCode.ATTACHMENTS_TOO_LARGE: "The decoded attachments exceed `max_attachments_bytes` (25 MB).",
        ErrorCode.MESSAGE_TOO_LARGE: "The encoded message would exceed `max_message_bytes` (35 MiB, Gmail's limit).",
        ErrorCode.INVALID_ATTACHMENT: "An attachment's name, content type or base64 data is invalid.",
        ErrorCode.NAIVE_DATETIME: "A date-time without a UTC offset.",
        ErrorCode.PLANNED_IN_PAST: "plannedSendAt is in the past.",
        ErrorCode.ACCOUNT_NOT_FOUND: "accountId names no mail account of your organization.",
        ErrorCode.ACCOUNT_NOT_ACTIVE: "The mail account is disconnected (or not ACTIVE) and cannot send.",
        ErrorCode.ILLEGAL_TRANSITION: "The email's status does not allow this (e.g. editing a SENT email).",
        ErrorCode.IDEMPOTENCY_CONFLICT: "The idempotency key was used before with a different payload.",
        ErrorCode.RECIPIENT_SUPPRESSED: "A recipient is suppressed (see `addresses`); allowSuppressed overrides.",
        ErrorCode.RECIPIENT_REQUIRED: "Sending needs at least one recipient.",
        ErrorCode.REPLY_TARGET_INVALID: "replyToMessageId names no message that can be answered.",
        ErrorCode.ACCOUNT_CONFLICT: "The Gmail account is connected to another organization.",
        ErrorCode.OAUTH_STATE_INVALID: "The OAuth state is unknown, used or expired: start connecting again.",
        ErrorCode.OAUTH_SCOPES_MISSING: "Google granted fewer scopes than Mailtrail needs.",
        ErrorCode.OAUTH_FAILED: "Google refused the authorization code exchange.",
        ErrorCode.UNRESOLVED_TOKENS: "A {token} is unknown to the context type or has no value.",
        ErrorCode.UNGROUNDED_FACTS: "A fact in model-drafted text matches nothing in the entity or promptHint.",
        ErrorCode.INVALID_CONTEXT_DATA: "The entity's data does not match its context type's fields.",
        ErrorCode.CONTEXT_PROVIDER_FAILED: "Your context provider (providerUrl) did not answer with the entity.",
        ErrorCode.URL_NOT_ALLOWED: "The URL is not https, or points at a private or local address.",
        ErrorCode.INVALID_CURSOR: "The cursor is malformed or from another list.",
        ErrorCode.SCOPE_NOT_HELD: "A scope asked for is not held by the calling token.",
        ErrorCode.CONTEXT_FORBIDDEN: "The token is restricted to other contexts than the one given.",
        ErrorCode.API_TOKEN_REQUIRED: "Only an API token may do this, not a client token.",
        ErrorCode.SEND_IN_PROGRESS: "A worker holds the send, or an earlier attempt may have reached Gmail.",
        ErrorCode.SEND_WINDOW_INVALID: "sendBefore is in the past, or not after plannedSendAt.",
        ErrorCode.NOT_A_BOUNCE: "The message is not a bounce (DSN).",
        ErrorCode.BOUNCE_ALREADY_LINKED: "The bounce is linked to another email; unlink it first.",
        ErrorCode.BOUNCE_NOT_LINKED: "The bounce is not linked to any email.",
    },
)


@strawberry.interface(description="Every expected mutation failure; nothing was changed when one is returned.")
class MutationError:
    code: ErrorCode = strawberry.field(description="Why, as a stable code to branch on.")
    message: str = strawberry.field(description="Why, in a sentence for a person (English; may change).")
    field: str | None = strawberry.field(
        default=None, description="The argument or input field at fault (camelCase, e.g. `to`), if one is."
    )


@strawberry.type(
    description="The input or the caller was refused (bad address, too many recipients, header injection, a scope "
    "not held, ...): every code the other error types do not name."
)
class ValidationError(MutationError):
    pass


@strawberry.type(description="No such record in your organization, or outside your token's contexts (code NOT_FOUND).")
class NotFoundError(MutationError):
    pass


@strawberry.type(
    description="The record's state does not allow this, e.g. editing a SENT email (codes ILLEGAL_TRANSITION, "
    "ACCOUNT_NOT_ACTIVE, BOUNCE_ALREADY_LINKED, BOUNCE_NOT_LINKED)."
)
class InvalidStateError(MutationError):
    pass


@strawberry.type(description="An idempotency key was reused with a different payload (code IDEMPOTENCY_CONFLICT).")
class IdempotencyConflictError(MutationError):
    pass


@strawberry.type(
    description="A recipient is on the suppression list (code RECIPIENT_SUPPRESSED); allowSuppressed sends anyway."
)
class RecipientSuppressedError(MutationError):
    addresses: list[str] = strawberry.field(description="The suppressed recipients, lower case.")


@strawberry.type(
    description=(
        "A worker is sending the email, or an earlier attempt may already have reached Gmail: it can no longer "
        "be taken back (code SEND_IN_PROGRESS). Watch it settle as SENT or FAILED."
    )
)
class SendInProgressError(MutationError):
    pass


_MEMBER_FOR: dict[ErrorCode, type[MutationError]] = {
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.ILLEGAL_TRANSITION: InvalidStateError,
    ErrorCode.ACCOUNT_NOT_ACTIVE: InvalidStateError,
    ErrorCode.BOUNCE_ALREADY_LINKED: InvalidStateError,
    ErrorCode.BOUNCE_NOT_LINKED: InvalidStateError,
    ErrorCode.IDEMPOTENCY_CONFLICT: IdempotencyConflictError,
    ErrorCode.RECIPIENT_SUPPRESSED: RecipientSuppressedError,
    ErrorCode.SEND_IN_PROGRESS: SendInProgressError,
}


def member_type(code: ErrorCode) -> type[MutationError]:
    """The union member a domain error code is returned as (ValidationError unless listed)."""
    return _MEMBER_FOR.get(code, ValidationError)


def error_members(result: Any) -> tuple[type[MutationError], ...]:
    """The error types of a mutation's result union (an `Annotated[A | B, strawberry.union(...)]`)."""
    union = typing.get_args(result)[0]
    return tuple(t for t in typing.get_args(union) if isinstance(t, type) and issubclass(t, MutationError))


def query_error(error: DomainError) -> GraphQLError:
    """A query's bad argument as a visible GraphQL error carrying the domain code."""
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


def member_of(error: DomainError, result: Any) -> Any:
    """The member of a mutation's result union for a domain error. An error outside the union is a
    bug in that mutation (tests/api/test_mutation_errors.py derives each union from its code path):
    raised, and masked, rather than mistyped."""
    member_class = member_type(error.code)
    if member_class not in error_members(result):
        raise TypeError(f"{error!r} is not part of this mutation's result union") from error
    if member_class is RecipientSuppressedError:
        addresses = list(getattr(error, "addresses", []))
        return RecipientSuppressedError(code=error.code, message=error.message, field=error.field, addresses=addresses)
    return member_class(code=error.code, message=error.message, field=error.field)
