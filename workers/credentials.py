"""Gmail credentials at rest: Fernet-encrypted with rotating keys, never logged, never returned.

MultiFernet encrypts with the first key and decrypts with any, so a new key is rolled out by
prepending it to MAILTRAIL_CREDENTIALS_KEYS; `reencrypt` moves old rows to it without downtime.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from domain.settings import PLACEHOLDER_KEY, Settings

OPENED_TOKENS = 1024
"""How many accounts' opened credentials a process keeps at hand (CredentialCipher.decrypt)."""


def _fernet(secret: str) -> Fernet:
    """A Fernet from a real Fernet key; only the public development placeholder is stretched into one
    (settings refuse it in production and refuse every other string that is not a key)."""
    if secret == PLACEHOLDER_KEY:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))
    return Fernet(secret.encode())


class CredentialCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one credentials key is needed")
        self._fernet = MultiFernet([_fernet(k) for k in keys])
        # Every send opens its account's credentials, whose token changes only when they do (a
        # refresh, a reconnect, a new key): remembered, Fernet's HMAC and AES run once per account
        # rather than once per email. lru_cache is safe across the worker's threads.
        self._open = lru_cache(maxsize=OPENED_TOKENS)(self._decrypt)

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialCipher:
        return cls([k.get_secret_value() for k in settings.credentials_keys])

    def encrypt(self, credentials: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        """The credentials sealed in `token`: a new dict each call (callers may change theirs)."""
        data = json.loads(self._open(token))
        assert isinstance(data, dict)
        return data

    def _decrypt(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode())
        except InvalidToken:
            raise ValueError("credentials cannot be decrypted with the configured keys") from None

    def reencrypt(self, token: str) -> str:
        """The same secret under the newest key."""
        return self._fernet.rotate(token.encode()).decode()
