"""The context-provider adapter: a signed HTTPS GET to the app's providerUrl, with a short cache.

    GET <providerUrl>?contextType=invoice&contextId=<uuid>
    X-Mailtrail-Timestamp / X-Mailtrail-Signature   (domain/content/signing.py)

The app answers 200 with the entity's data as a JSON object, or 404. Redirects are not
followed (a signed request must not wander), answers over 1 MB are refused, and in production
a provider whose name resolves to a loopback, private or link-local address is refused, so a
tenant cannot point Mailtrail at its own internal network. Reads are cached for
`context_provider_cache_seconds`; the send guard asks with `fresh=True` and skips the cache.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from domain.content.signing import provider_secret, signed_headers
from domain.content.store import is_public_address
from domain.context_provider import ContextProviderError, ProviderRequest
from domain.settings import Settings

MAX_BYTES = 1024 * 1024
CACHE_SIZE = 1024
CacheKey = tuple[uuid.UUID, str, uuid.UUID, str]


class HttpContextProvider:
    def __init__(
        self,
        signing_key: str,
        *,
        timeout: float = 5.0,
        cache_seconds: float = 30.0,
        allow_private: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._signing_key = signing_key
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.allow_private = allow_private
        self._clock = clock
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": "Mailtrail"})
        self._cache: OrderedDict[CacheKey, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, request: ProviderRequest, *, fresh: bool = False) -> Mapping[str, Any]:
        """The entity's data; ContextProviderError says, for a person, what went wrong."""
        key = (request.organization_id, request.context_type, request.context_id, request.url)
        if not fresh:
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
        data = self._get(request)
        with self._lock:
            self._cache[key] = (time.monotonic() + self.cache_seconds, data)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return data

    def _get(self, request: ProviderRequest) -> dict[str, Any]:
        self._check_host(request.url)
        secret = provider_secret(self._signing_key, request.organization_id, request.context_type)
        headers = signed_headers(secret, int(self._clock()), request.context_type, request.context_id)
        params = {"contextType": request.context_type, "contextId": str(request.context_id)}
        try:
            response = self._client.get(request.url, params=params, headers=headers)
        except httpx.TimeoutException:
            raise ContextProviderError(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise ContextProviderError(f"could not be reached ({type(error).__name__})") from None
        if response.status_code == 404:
            raise ContextProviderError(f"it has no {request.context_type} {request.context_id} (HTTP 404)", gone=True)
        if response.status_code != 200:
            raise ContextProviderError(f"it answered HTTP {response.status_code}")
        if len(response.content) > MAX_BYTES:
            raise ContextProviderError("its answer is larger than 1 MB")
        try:
            data = json.loads(response.content)
        except ValueError:
            raise ContextProviderError("its answer is not JSON") from None
        if not isinstance(data, dict):
            raise ContextProviderError("its answer is not a JSON object")
        return data

    def _check_host(self, url: str) -> None:
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            raise ContextProviderError(f"{host} does not resolve") from None
        if not addresses or not all(is_public_address(str(a)) for a in addresses):
            raise ContextProviderError(f"{host} resolves to a private address")

    def close(self) -> None:
        self._client.close()


def context_provider(settings: Settings) -> HttpContextProvider:
    """The provider adapter for these settings; private addresses are allowed outside production."""
    return HttpContextProvider(
        settings.context_provider_signing_key.get_secret_value(),
        timeout=settings.context_provider_timeout_seconds,
        cache_seconds=settings.context_provider_cache_seconds,
        allow_private=settings.env != "production",
    )
