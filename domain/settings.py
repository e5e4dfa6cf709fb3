"""One typed settings object, read from the environment (prefix MAILTRAIL_), checked at start-up."""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from domain.operations_settings import OperationsSettings

EMBEDDED_DIR = Path(".mailtrail")
PLACEHOLDER_KEY = "dev-only-insecure-key-change-me"
PLACEHOLDER_SIGNING_KEY = "dev-only-insecure-signing-key-change-me"


class Settings(OperationsSettings):
    """Every setting Mailtrail reads; the README documents each one."""

    model_config = SettingsConfigDict(env_prefix="MAILTRAIL_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    api_processes: int = Field(default=1, ge=1, le=256)
    """API processes `mailtrail serve` runs, sharing the port (api.processes): about one per core."""
    public_url: str = ""
    """Base URL the service is reached at (OAuth redirect, push endpoint); defaults to http://host:port."""

    database_url: str = f"sqlite:///{EMBEDDED_DIR}/mailtrail.db"
    db_pool_size: int = 10
    embedded: bool = False
    """Run the Gmail emulator, an in-process worker and the scheduler inside the API process."""

    broker_url: str = "redis://127.0.0.1:6379/0"
    """redis://..., amqp://... or stub:// (in-process, embedded mode only)."""
    queue_namespace: str = Field(default="", pattern=r"^[a-zA-Z0-9_-]{0,40}$")
    """Prefix of the broker's queue names (`<namespace>.send`); lets several deployments, or
    several test runs, share one Redis or RabbitMQ without taking each other's messages."""
    demo_token: str = ""
    sandbox_port: int = 8025
    """Port of the Gmail emulator the embedded mode starts (another free one if it is taken)."""

    credentials_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=lambda: [SecretStr(PLACEHOLDER_KEY)])
    """Fernet keys, newest first: new secrets are encrypted with the first, any of them decrypts."""

    gmail_api_url: str = "https://gmail.googleapis.com"
    oauth_auth_url: str = "https://accounts.google.com/o/oauth2/auth"
    oauth_token_url: str = "https://oauth2.googleapis.com/token"
    oauth_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    oauth_client_id: str = ""
    oauth_client_secret: SecretStr = SecretStr("")
    oauth_scopes: list[str] = Field(
        default_factory=lambda: [
            "https://www.googleapis.com/auth/gmail.send",
            "https://www.googleapis.com/auth/gmail.readonly",
        ]
    )
    oauth_state_ttl_seconds: int = 600
    oauth_redirect_origins: list[str] = Field(default_factory=list)
    """Origins (besides this service's own) that connectMailAccount's redirectAfter may point to."""

    pubsub_topic: str = "projects/mailtrail/topics/gmail"
    push_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    push_audience: str = ""
    """Expected `aud` of push JWTs; defaults to the push endpoint URL."""
    push_service_account: str = ""
    """Expected `email` claim of push JWTs (the Pub/Sub subscription's service account)."""
    push_issuers: list[str] = Field(default_factory=lambda: ["https://accounts.google.com", "accounts.google.com"])

    max_recipients: int = 100
    max_attachments_bytes: int = 25 * 1024 * 1024
    """Gmail's limit on attachments per email (support.google.com/mail/answer/6584: 25 MB)."""
    max_message_bytes: int = 36_700_160
    """The whole encoded message: the `maxSize` of messages.send in Gmail's discovery document (35 MB)."""
    max_request_bytes: int = 50 * 1024 * 1024
    """Largest HTTP request body /graphql reads (25 MB of attachments is ~34 MB in base64 JSON)."""
    ws_max_message_bytes: int = 256 * 1024
    """Largest WebSocket frame the server accepts (subscriptions and their payloads are small)."""
    max_query_depth: int = 10
    max_aliases: int = 30
    max_query_tokens: int = 4000
    page_size_max: int = 100
    total_count_cap: int = Field(default=10_000, ge=1)
    """`totalCount` counts matching emails up to this many (its cost stays flat at any size; api/counting.py)."""

    send_deadline_seconds: int = 3600
    """How long transient Gmail errors are retried before an email is FAILED."""
    send_lease_seconds: int = 120
    """How long a worker's claim on an email's send lasts before another may take over."""
    retry_backoff_seconds: float = 2.0
    """First delay after a transient Gmail error; it doubles (with jitter) on each further attempt."""
    retry_backoff_cap_seconds: float = 300.0
    gmail_timeout_seconds: float = 30.0
    """Socket timeout of each Gmail call; must stay well under the send lease (checked)."""
    daily_send_cap: int = 500
    """The daily cap of an account whose own is not set: Gmail's consumer limit, the safe one
    (an account connected from now on gets the cap of its kind; setDailySendCap changes it)."""
    quota_units_per_minute: int = 15000
    scheduler_interval_seconds: float = 0.5
    sweeper_stale_seconds: int = 60
    watch_renew_within_hours: int = 48
    sync_batch_size: int = 50
    full_sync_days: int = 30
    safety_sync_minutes: int = 15
    soft_bounce_suppress_after: int = 3
    """Soft bounces of one address (in distinct emails) within `soft_bounce_window_days` that
    suppress it for `soft_bounce_suppress_days`; 0 never suppresses on soft bounces."""
    soft_bounce_window_days: int = 30
    soft_bounce_suppress_days: int = 7

    token_cache_seconds: float = 30.0
    """How long a checked bearer token is trusted before it is looked up again (revocation lag),
    also for open WebSocket subscriptions, which end once their token is revoked."""
    subscription_queue_size: int = 1000
    """Updates a subscriber may fall behind by before it is told to resubscribe with `since`."""
    subscriptions_per_connection: int = 50
    event_hole_seconds: float = 60.0
    """How long a gap in the audit trail's sequence waits for its (uncommitted) transaction."""

    llm_base_url: str = ""
    """OpenAI-compatible Chat Completions base URL (content drafting); empty: no model, so
    prepareEmail in INFERENCE mode renders the given subject and body as a template."""
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout_seconds: float = 30.0
    context_provider_signing_key: SecretStr = SecretStr(PLACEHOLDER_SIGNING_KEY)
    """Master key the per-organization secrets signing requests to apps' providerUrl derive from."""
    context_provider_timeout_seconds: float = 5.0
    context_provider_cache_seconds: float = 30.0
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Browser origins allowed to call the API over HTTP (CORS) and WebSocket, comma-separated; a port
    may be `*` (`http://localhost:*`). The embedded mode (`make run`) allows localhost by default."""
    client_token_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Keys signing client tokens (HS256), newest first, each `kid:secret` (secret at least 32 bytes);
    empty: one key derived from the first credentials key."""
    client_token_ttl_seconds: int = Field(default=900, ge=1)
    client_token_max_ttl_seconds: int = Field(default=86400, ge=1)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    """Requests per minute one token may make (an organization may have its own figure)."""
    rate_limit_storage_url: str = ""
    """Where rate-limit counters live: `memory://` or `redis://...`; empty: in memory in the embedded
    mode, else the broker's Redis (in memory, with a warning, when the broker is not Redis)."""

    log_level: str = "INFO"

    @field_validator("credentials_keys", "client_token_keys", "cors_origins", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):  # the JSON form every other list setting takes
                return json.loads(value)
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        for position, key in enumerate(self.credentials_keys, start=1):
            secret = key.get_secret_value()
            if not is_fernet_key(secret) and (secret != PLACEHOLDER_KEY or self.env == "production"):
                raise ValueError(
                    f"MAILTRAIL_CREDENTIALS_KEYS: key {position} is not a Fernet key (32 bytes, url-safe base64); "
                    "make one with `mailtrail keys generate`"
                )
        if self.env == "production":
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL: set MAILTRAIL_DATABASE_URL")
            if self.broker_url.startswith("stub"):
                raise ValueError("production needs a real broker: set MAILTRAIL_BROKER_URL")
            if not self.push_service_account:
                raise ValueError(
                    "production needs MAILTRAIL_PUSH_SERVICE_ACCOUNT (the Pub/Sub push subscription's service "
                    "account): without it any Google-signed token with the right audience would be accepted"
                )
            if not self.oauth_client_id or not self.oauth_client_secret.get_secret_value():
                raise ValueError("production needs MAILTRAIL_OAUTH_CLIENT_ID and MAILTRAIL_OAUTH_CLIENT_SECRET")
            if self.context_provider_signing_key.get_secret_value() == PLACEHOLDER_SIGNING_KEY:
                raise ValueError("MAILTRAIL_CONTEXT_PROVIDER_SIGNING_KEY must be set to a real secret in production")
        if self.send_lease_seconds < 2 * self.gmail_timeout_seconds:
            raise ValueError("MAILTRAIL_SEND_LEASE_SECONDS must be at least twice MAILTRAIL_GMAIL_TIMEOUT_SECONDS")
        if not self.credentials_keys:
            raise ValueError("MAILTRAIL_CREDENTIALS_KEYS needs at least one key")
        from domain.browser_settings import check_browser_settings

        check_browser_settings(self)
        return self

    def queue_name(self, name: str) -> str:
        """The broker queue called `name` in this deployment's namespace."""
        return f"{self.queue_namespace}.{name}" if self.queue_namespace else name

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sync_database_url(self) -> str:
        """The URL for SQLAlchemy's sync engine (psycopg 3 for PostgreSQL)."""
        return _with_driver(self.database_url, postgres="psycopg", sqlite="pysqlite")

    def async_database_url(self) -> str:
        """The URL for SQLAlchemy's asyncio engine (psycopg 3 async, or aiosqlite)."""
        return _with_driver(self.database_url, postgres="psycopg", sqlite="aiosqlite")


def is_fernet_key(value: str) -> bool:
    """A Fernet key is 32 bytes in url-safe base64 (cryptography.io's Fernet spec)."""
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32 and len(value) == 44
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


def startup_warnings(settings: Settings) -> list[str]:
    """What a running service should shout about, though it may run."""
    warnings = []
    if not settings.embedded and any(k.get_secret_value() == PLACEHOLDER_KEY for k in settings.credentials_keys):
        warnings.append(
            "MAILTRAIL_CREDENTIALS_KEYS is the public development placeholder: anyone with Mailtrail's source "
            "can decrypt the Gmail credentials stored now. Set a real key (`mailtrail keys generate`)."
        )
    return warnings


def _with_driver(url: str, *, postgres: str, sqlite: str) -> str:
    scheme, sep, rest = url.partition("://")
    base = scheme.split("+")[0]
    if base in ("postgres", "postgresql"):
        return f"postgresql+{postgres}{sep}{rest}"
    if base == "sqlite":
        return f"sqlite+{sqlite}{sep}{rest}"
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
