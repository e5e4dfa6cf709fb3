"""Which browser origins may call the API: CORS for HTTP, the same list for WebSocket handshakes.

`cors_origins` lists origins as `scheme://host[:port]`, a port may be `*`. WebSocket handshakes
are checked by Strawberry (api/app.py asks `OriginPolicy.allows`): a page served by the API itself
(the console) is same-origin and always allowed, and a client that sends no Origin header is not a
browser (origins exist to protect browsers' users), so it is let through; its token still counts.
"""

from __future__ import annotations

import re

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

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
