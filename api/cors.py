"""Which browser origins may call the API: CORS for HTTP, the same list for WebSocket handshakes.

`cors_origins` lists origins as `scheme://host[:port]`, a port may be `*`. A page served by the API
itself (the console) is same-origin and always allowed. A client that sends no Origin header is
not a browser, and origins exist to protect browsers' users, so it is let through (its token still
has to be good).
"""

from __future__ import annotations

import re

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Scope

from domain.settings import Settings


def origin_pattern(origins: list[str]) -> str | None:
    """One regular expression matching exactly the listed origins (None: no origin at all)."""
    parts = []
    for origin in origins:
        base, _, port = origin.rpartition(":")
        if port == "*":
            parts.append(re.escape(base) + r"(:\d{1,5})?")
        else:
            parts.append(re.escape(origin))
    return "(" + "|".join(parts) + ")" if parts else None


class OriginPolicy:
    """The allowed origins of one deployment."""

    def __init__(self, origins: list[str]) -> None:
        pattern = origin_pattern(origins)
        self.pattern = pattern
        self._regex = re.compile(pattern) if pattern else None

    def allows(self, origin: str) -> bool:
        """Whether a browser at `origin` may call the API."""
        return self._regex is not None and self._regex.fullmatch(origin) is not None

    def allows_websocket(self, scope: Scope) -> bool:
        """Whether a WebSocket handshake may proceed: no Origin, the API's own, or a listed one."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is None:
            return True
        own = ("https://" if scope.get("scheme") == "wss" else "http://") + headers.get("host", "")
        return origin == own or self.allows(origin)


def cors_middleware(settings: Settings) -> Middleware:
    """CORS for the app: preflights from listed origins answered, others refused (400)."""
    return Middleware(
        CORSMiddleware,
        allow_origins=[],
        allow_origin_regex=origin_pattern(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        expose_headers=["Retry-After", "WWW-Authenticate"],
        allow_credentials=False,  # bearer tokens, never cookies
        max_age=600,
    )
