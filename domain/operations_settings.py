"""Settings of the operational surface: webhooks, metrics, logs and tracing.

A mixin of `domain.settings.Settings` (same MAILTRAIL_ prefix, same object), kept in its own
module so the webhook and operations settings grow without crowding the core ones.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings


class OperationsSettings(BaseSettings):
    """Webhook delivery, metrics, logging and tracing; every field is documented in the README."""

    log_format: Literal["text", "json"] = "text"
    """`text`: human lines (the default, e.g. `make run`); `json`: one JSON object per line."""
    tracing: bool = False
    """OpenTelemetry tracing (Starlette, SQLAlchemy, Dramatiq messages, Gmail calls, webhooks)."""
    tracing_exporter: Literal["otlp", "console"] = "otlp"
    """Where spans go: OTLP over HTTP (OTEL_EXPORTER_OTLP_ENDPOINT) or the console."""
    metrics_port: int = 9191
    """Port of the Prometheus endpoint of `mailtrail worker` and `mailtrail scheduler` (0: none)."""

    webhook_timeout_seconds: float = 10.0
    """Connect-and-answer time a webhook receiver gets per attempt."""
    webhook_retry_base_seconds: float = 10.0
    """First delay after a failed webhook attempt; each further delay is three times longer (with jitter)."""
    webhook_retry_cap_seconds: float = 12 * 3600.0
    webhook_retry_horizon_seconds: float = 3 * 86400.0
    """How long a webhook delivery is retried before it is given up (FAILED)."""
    webhook_disable_after_seconds: float = 3 * 86400.0
    """An endpoint failing without a single success for this long is disabled (with a notice)."""
    webhook_allow_private_targets: bool | None = None
    """Allow private, loopback and link-local webhook targets; unset: allowed except in production."""
    webhook_fanout_interval_seconds: float = 0.5
    """How often the scheduler turns new audit events into webhook deliveries."""
    webhook_stale_seconds: float = 60.0
    """A due webhook delivery untouched this long is enqueued again (its message was lost)."""
    webhook_retention_days: int = 30
    """Finished webhook deliveries and their attempt log are kept this long."""

    @model_validator(mode="after")
    def _check_webhook_timings(self) -> OperationsSettings:
        if self.webhook_timeout_seconds <= 0 or self.webhook_retry_base_seconds <= 0:
            raise ValueError("MAILTRAIL_WEBHOOK_TIMEOUT_SECONDS and _RETRY_BASE_SECONDS must be positive")
        if self.webhook_retry_cap_seconds < self.webhook_retry_base_seconds:
            raise ValueError("MAILTRAIL_WEBHOOK_RETRY_CAP_SECONDS must be at least _RETRY_BASE_SECONDS")
        return self

    @property
    def webhook_lease_seconds(self) -> float:
        """How long a worker's claim on a webhook attempt lasts: the call always ends well before."""
        return 3 * self.webhook_timeout_seconds + 5

    def webhook_private_targets_allowed(self, env: str) -> bool:
        """Private targets: as configured, else everywhere but production (`make run` posts to localhost)."""
        if self.webhook_allow_private_targets is not None:
            return self.webhook_allow_private_targets
        return env != "production"
