"""Google's error envelope, exactly as the client library parses it (gmail-api.md §1.5, §6)."""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class GmailError(Exception):
    def __init__(
        self, status: int, reason: str, message: str, domain: str = "global", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}],
                "status": STATUS_NAMES.get(self.status, "UNKNOWN"),
            }
        }


def bad_request(message: str, reason: str = "invalidArgument") -> GmailError:
    return GmailError(400, reason, message)


def not_found(message: str = "Requested entity was not found.") -> GmailError:
    return GmailError(404, "notFound", message)


def unauthenticated() -> GmailError:
    return GmailError(
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential.",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def insufficient_scope() -> GmailError:
    return GmailError(403, "insufficientPermissions", "Request had insufficient authentication scopes.")


def rate_limited(per_minute: bool = True) -> GmailError:
    if per_minute:
        return GmailError(
            429,
            "rateLimitExceeded",
            "User-rate limit exceeded.  Retry after a minute.",
            domain="usageLimits",
            headers={"Retry-After": "1"},
        )
    return GmailError(403, "dailyLimitExceeded", "User has exceeded their daily sending limit.", domain="usageLimits")


def too_many_concurrent() -> GmailError:
    """The inner error of batch parts beyond the per-user concurrency (gmail-api.md §1.4, §6)."""
    return GmailError(429, "rateLimitExceeded", "Too many concurrent requests for user.")
