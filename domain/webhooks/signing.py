"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec "Signature scheme").

A secret is `whsec_` + base64 of random bytes (the spec asks for 24 to 64). The signed content
is `<webhook-id>.<webhook-timestamp>.<body>`; the signature is `v1,` + base64 of its HMAC-SHA256
under the decoded secret. `webhook-signature` lists several, space-separated, which is how a
rotation works: while the previous secret is still valid, every message carries both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
_ID_NAMESPACE = uuid.UUID("6f1b2a6e-3c55-4a8e-9d43-0c2f4f6a9b11")


def new_secret() -> str:
    """A fresh signing secret, shown to the tenant once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :])


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of a message."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets_in_use: Sequence[str], webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in use (newest first)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, webhook_id, timestamp, body) for s in secrets_in_use),
    }


def webhook_id(endpoint_id: uuid.UUID, seq: int) -> str:
    """The `webhook-id` of one event for one endpoint: the same on every retry and redelivery, so receivers dedupe."""
    return "msg_" + uuid.uuid5(_ID_NAMESPACE, f"{endpoint_id}:{seq}").hex
