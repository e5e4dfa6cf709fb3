"""The language-model port: what drafting needs from a chat-completion model.

The adapter (workers/language_model.py) speaks the OpenAI-compatible Chat Completions API, so
hosted providers and local servers (vLLM, Ollama, llama.cpp) fit, as does the offline emulator
in sandbox/llm. Whatever goes wrong there reaches the domain as LanguageModelError, and drafting
falls back to the caller's template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class LanguageModelError(Exception):
    """The model could not be reached, refused, or answered nothing usable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ChatMessage:
    role: str
    """system, user or assistant"""
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    """The model that answered, as the provider names it (the sandbox says so in its name)."""


class LanguageModel(Protocol):
    def complete(self, messages: Sequence[ChatMessage]) -> Completion: ...
