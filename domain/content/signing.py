"""Signing the requests Mailtrail makes to an app's context provider (HMAC-SHA256).

Each (organization, context type) has its own secret, derived from the deployment's signing key,
so an organization that knows its secret cannot forge requests to another organization's
provider. A request carries

    X-Mailtrail-Timestamp: <unix seconds>
    X-Mailtrail-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<contextType>.<contextId>")>

and the provider answers only when the signature matches and the timestamp is recent (five
minutes is a good window): `verify` below is what a provider does, in a few lines.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Mailtrail-Timestamp"
SIGNATURE_HEADER = "X-Mailtrail-Signature"
SCHEME = "v1"


def provider_secret(signing_key: str, organization_id: uuid.UUID, context_type: str) -> str:
    """The secret one organization's provider for one context type verifies requests with."""
    label = f"mailtrail context provider\x00{organization_id}\x00{context_type}".encode()
    return "mtps_" + hmac.new(signing_key.encode(), label, hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, context_type: str, context_id: uuid.UUID | str) -> str:
    message = f"{timestamp}.{context_type}.{context_id}".encode()
    return f"{SCHEME}=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, context_type: str, context_id: uuid.UUID | str) -> dict[str, str]:
    """The headers of one signed request."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, context_type, context_id),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    context_type: str,
    context_id: str,
    now: float,
    tolerance_seconds: int = 300,
) -> bool:
    """True when the request is signed with `secret` and its timestamp is within the tolerance."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = signature(secret, timestamp, context_type, context_id)
    return hmac.compare_digest(expected, lowered.get(SIGNATURE_HEADER.lower(), ""))
