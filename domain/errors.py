"""Domain errors: every expected failure carries a stable code the API turns into a typed error."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes; clients branch on these, so never rename one."""

    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_EMAIL = "INVALID_EMAIL"
    TOO_MANY_RECIPIENTS = "TOO_MANY_RECIPIENTS"
    HEADER_INJECTION = "HEADER_INJECTION"
    ATTACHMENTS_TOO_LARGE = "ATTACHMENTS_TOO_LARGE"
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    INVALID_ATTACHMENT = "INVALID_ATTACHMENT"
    NAIVE_DATETIME = "NAIVE_DATETIME"
    PLANNED_IN_PAST = "PLANNED_IN_PAST"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_NOT_ACTIVE = "ACCOUNT_NOT_ACTIVE"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    RECIPIENT_SUPPRESSED = "RECIPIENT_SUPPRESSED"
    RECIPIENT_REQUIRED = "RECIPIENT_REQUIRED"
    REPLY_TARGET_INVALID = "REPLY_TARGET_INVALID"
    ACCOUNT_CONFLICT = "ACCOUNT_CONFLICT"
    OAUTH_STATE_INVALID = "OAUTH_STATE_INVALID"
    OAUTH_SCOPES_MISSING = "OAUTH_SCOPES_MISSING"
    OAUTH_FAILED = "OAUTH_FAILED"
    UNRESOLVED_TOKENS = "UNRESOLVED_TOKENS"
    UNGROUNDED_FACTS = "UNGROUNDED_FACTS"
    INVALID_CONTEXT_DATA = "INVALID_CONTEXT_DATA"
    CONTEXT_PROVIDER_FAILED = "CONTEXT_PROVIDER_FAILED"
    URL_NOT_ALLOWED = "URL_NOT_ALLOWED"
    INVALID_CURSOR = "INVALID_CURSOR"
    SCOPE_NOT_HELD = "SCOPE_NOT_HELD"
    CONTEXT_FORBIDDEN = "CONTEXT_FORBIDDEN"
    API_TOKEN_REQUIRED = "API_TOKEN_REQUIRED"
    SEND_IN_PROGRESS = "SEND_IN_PROGRESS"
    """cancelSend: a worker holds the send, or an earlier attempt may already have reached Gmail."""
    SEND_WINDOW_INVALID = "SEND_WINDOW_INVALID"
    """sendBefore is in the past, or not after plannedSendAt."""
    NOT_A_BOUNCE = "NOT_A_BOUNCE"
    """linkBounce / unlinkBounce: the message is not a bounce (DSN)."""
    BOUNCE_ALREADY_LINKED = "BOUNCE_ALREADY_LINKED"
    """linkBounce: the bounce is linked to another email; unlink it first."""
    BOUNCE_NOT_LINKED = "BOUNCE_NOT_LINKED"
    """unlinkBounce: the bounce is not linked to any email."""


class DomainError(Exception):
    """An expected failure of a use case: nothing was changed when one is raised."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"DomainError({self.code.value!r}, {self.message!r}, field={self.field!r})"


class NotFound(DomainError):
    """The record does not exist or belongs to another organization (indistinguishable on purpose)."""

    def __init__(self, what: str, field: str | None = "id") -> None:
        super().__init__(ErrorCode.NOT_FOUND, f"{what} not found", field)
