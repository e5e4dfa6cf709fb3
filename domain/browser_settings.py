"""Checks and defaults for the settings browsers depend on: allowed origins and client-token keys."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.settings import Settings

EMBEDDED_ORIGINS = ["http://localhost:*", "http://127.0.0.1:*"]
"""What `make run` allows when MAILTRAIL_CORS_ORIGINS is not set: any local development server."""

ORIGIN = re.compile(r"^https?://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}|\*))?$")
MIN_KEY_BYTES = 32
"""RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output (256 bits)."""


def check_browser_settings(settings: Settings) -> None:
    """Refuse malformed origins and weak keys; give the embedded mode its localhost origins."""
    if settings.embedded and "cors_origins" not in settings.model_fields_set:
        settings.cors_origins = list(EMBEDDED_ORIGINS)
    for origin in settings.cors_origins:
        if not ORIGIN.match(origin):
            raise ValueError(
                f"MAILTRAIL_CORS_ORIGINS: {origin!r} is not an origin: give scheme://host[:port] with no path, "
                "e.g. https://app.example.com or http://localhost:*"
            )
    kids = set()
    for position, key in enumerate(settings.client_token_keys, start=1):
        kid, sep, secret = key.get_secret_value().partition(":")
        if not sep or not kid or len(secret.encode()) < MIN_KEY_BYTES:
            raise ValueError(
                f"MAILTRAIL_CLIENT_TOKEN_KEYS: key {position} must be `kid:secret` with a secret of at least "
                f"{MIN_KEY_BYTES} bytes"
            )
        if kid in kids:
            raise ValueError(f"MAILTRAIL_CLIENT_TOKEN_KEYS: key id {kid!r} is used twice")
        kids.add(kid)
    if settings.client_token_ttl_seconds > settings.client_token_max_ttl_seconds:
        raise ValueError("MAILTRAIL_CLIENT_TOKEN_TTL_SECONDS must not exceed MAILTRAIL_CLIENT_TOKEN_MAX_TTL_SECONDS")
