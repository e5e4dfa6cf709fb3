"""Fixtures for the emulator's contract tests: a fresh emulator and the real Gmail client on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httplib2
import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build

from sandbox import Emulator
from sandbox.auth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

SEND = "https://www.googleapis.com/auth/gmail.send"
READ = "https://www.googleapis.com/auth/gmail.readonly"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(mailboxes=["ana@example.com", "bob@example.com"], seed=1) as running:
        yield running


def client_for(
    emulator: Emulator, address: str, scopes: list[str] | None = None, timeout: float | None = None
) -> tuple[Any, Credentials]:
    """The real google-api-python-client, pointed at the emulator, with refreshable credentials
    (and a socket timeout, when given)."""
    access, refresh = emulator.issue_token(address, scopes or [SEND, READ])
    credentials = Credentials(
        access,
        refresh_token=refresh,
        token_uri=emulator.token_uri,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        scopes=scopes or [SEND, READ],
    )
    transport: dict[str, Any] = (
        {"http": AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))}
        if timeout is not None
        else {"credentials": credentials}
    )
    service = build(
        "gmail",
        "v1",
        **transport,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": emulator.base_url},
    )
    return service, credentials


@pytest.fixture
def gmail_for(emulator: Emulator) -> Callable[..., Any]:
    def make(address: str = "ana@example.com", scopes: list[str] | None = None) -> Any:
        return client_for(emulator, address, scopes)[0]

    return make
