"""The context-provider port: reading an entity's data from the app that owns it.

An app either pushes snapshots (`putContextEntity`) or declares a `providerUrl` that Mailtrail
asks, with a signed request (domain/content/signing.py), when it needs the data. The adapter
(workers/context_provider.py) does the HTTP, the timeout and the short cache; here is only what
the domain asks and the one error it can get back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class ContextProviderError(Exception):
    """The provider could not be reached or gave no usable data; `message` is for a person.

    `gone` when the provider said the entity does not exist (HTTP 404): that is an answer, not
    an outage, so a send waiting on it fails instead of waiting.
    """

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.gone = gone


@dataclass(frozen=True)
class ProviderRequest:
    url: str
    organization_id: uuid.UUID
    context_type: str
    context_id: uuid.UUID


class ContextProvider(Protocol):
    def fetch(self, request: ProviderRequest, *, fresh: bool = False) -> Mapping[str, Any]:
        """The entity's data as the provider sent it (a JSON object); `fresh` skips any cache."""
        ...
