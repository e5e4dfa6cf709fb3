"""Settings that refuse to start on bad or placeholder secrets, and say what to do instead."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from domain.settings import PLACEHOLDER_KEY, PLACEHOLDER_SIGNING_KEY, Settings, is_fernet_key, startup_warnings
from tests.conftest import REDIS_DB

KEY = Fernet.generate_key().decode()
PRODUCTION: dict[str, Any] = {
    "env": "production",
    "database_url": "postgresql://mailtrail@db/mailtrail",
    "broker_url": f"redis://redis:6379/{REDIS_DB}",  # this run's database, like every test's
    "credentials_keys": KEY,
    "push_service_account": "gmail-push@project.iam.gserviceaccount.com",
    "oauth_client_id": "123.apps.googleusercontent.com",
    "oauth_client_secret": "a-real-secret",
    "context_provider_signing_key": "a-real-provider-signing-secret",
}


def production(**changes: Any) -> Settings:
    return Settings(**{**PRODUCTION, **changes})


def test_a_complete_production_configuration_starts() -> None:
    assert production().env == "production"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credentials_keys": PLACEHOLDER_KEY}, "not a Fernet key"),
        ({"credentials_keys": "correct horse battery staple"}, "key 1 is not a Fernet key"),
        ({"credentials_keys": f"{KEY},too-short"}, "key 2 is not a Fernet key"),
        ({"push_service_account": ""}, "MAILTRAIL_PUSH_SERVICE_ACCOUNT"),
        ({"oauth_client_secret": ""}, "MAILTRAIL_OAUTH_CLIENT_SECRET"),
        ({"oauth_client_id": ""}, "MAILTRAIL_OAUTH_CLIENT_ID"),
        ({"database_url": "sqlite:///x.db"}, "PostgreSQL"),
        ({"broker_url": "stub://"}, "real broker"),
        ({"context_provider_signing_key": PLACEHOLDER_SIGNING_KEY}, "MAILTRAIL_CONTEXT_PROVIDER_SIGNING_KEY"),
    ],
)
def test_production_refuses_a_bad_or_missing_secret(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        production(**changes)


def test_outside_production_only_the_public_placeholder_may_stand_in_for_a_key() -> None:
    assert Settings(env="development", credentials_keys=PLACEHOLDER_KEY).credentials_keys
    with pytest.raises(ValidationError, match="key 1 is not a Fernet key"):
        Settings(env="development", credentials_keys="my-own-password")


def test_the_placeholder_is_shouted_about_outside_the_embedded_mode() -> None:
    (warning,) = startup_warnings(Settings(env="development", credentials_keys=PLACEHOLDER_KEY))
    assert "public development placeholder" in warning and "mailtrail keys generate" in warning
    assert startup_warnings(Settings(env="development", embedded=True, credentials_keys=PLACEHOLDER_KEY)) == []
    assert startup_warnings(Settings(env="development", credentials_keys=KEY)) == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [(KEY, True), (KEY[:-1], False), ("A" * 44, False), ("=" * 44, False), ("é" * 44, False), ("", False)],
)
def test_a_fernet_key_is_exactly_32_bytes_of_url_safe_base64(value: str, valid: bool) -> None:
    assert is_fernet_key(value) is valid
