"""`make run`'s language model: the offline chat-completions emulator (sandbox/llm), unless one is set.

With no MAILTRAIL_LLM_BASE_URL in the environment, the embedded mode points the settings at an
emulator on a free local port and starts it with the app, so prepareEmail's INFERENCE mode works
with no internet. Its drafts name their model `mailtrail-sandbox`, so nobody takes them for a
real model's. Setting MAILTRAIL_LLM_BASE_URL (and _MODEL, _API_KEY) uses that model instead.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

from domain.settings import Settings
from sandbox.llm import DEFAULT_MODEL, ChatEmulator

SANDBOX_KEY = "sandbox-key"


def environment(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Settings that point at a sandbox on a free port; nothing when a model is configured."""
    if env.get("MAILTRAIL_LLM_BASE_URL"):
        return {}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {
        "MAILTRAIL_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "MAILTRAIL_LLM_MODEL": DEFAULT_MODEL,
        "MAILTRAIL_LLM_API_KEY": SANDBOX_KEY,
    }


def is_sandbox(settings: Settings) -> bool:
    parts = urlsplit(settings.llm_base_url)
    return settings.llm_model == DEFAULT_MODEL and parts.hostname == "127.0.0.1" and parts.port is not None


def start(settings: Settings) -> ChatEmulator | None:
    """The sandbox the settings point at, started; None when they point at a real model."""
    if not is_sandbox(settings):
        return None
    port = urlsplit(settings.llm_base_url).port or 0
    return ChatEmulator(port=port, api_key=settings.llm_api_key.get_secret_value() or None).start()


def banner_line(settings: Settings) -> str:
    if is_sandbox(settings):
        return f"  Language model:     {DEFAULT_MODEL} (offline emulator) at {settings.llm_base_url}"
    if settings.llm_base_url:
        return f"  Language model:     {settings.llm_model} at {settings.llm_base_url}"
    return "  Language model:     none (prepareEmail INFERENCE falls back to TEMPLATE)"
