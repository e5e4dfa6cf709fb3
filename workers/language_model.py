"""The language-model adapter: the domain's LanguageModel port over the official `openai` client.

It speaks the OpenAI-compatible Chat Completions API at `llm_base_url`, so the same code talks to
a hosted provider, to a local vLLM, Ollama or llama.cpp server, and to the offline emulator in
sandbox/llm that `make run` starts. One retry, then the failure goes back to the domain, which
falls back to the caller's template: drafting must never hang a request for long.
"""

from __future__ import annotations

from collections.abc import Sequence

import openai

from domain.language_model import ChatMessage, Completion, LanguageModelError
from domain.settings import Settings


class OpenAIChatModel:
    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 30.0) -> None:
        self.model = model
        # Local servers need no key, but the client insists on one.
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=1)

    def complete(self, messages: Sequence[ChatMessage]) -> Completion:
        """One chat completion; LanguageModelError for anything but a non-empty answer."""
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                temperature=0.2,
            )
        except openai.APIStatusError as error:
            raise LanguageModelError(f"the model's server answered HTTP {error.status_code}") from None
        except openai.APITimeoutError:
            raise LanguageModelError("the model did not answer in time") from None
        except openai.OpenAIError as error:
            raise LanguageModelError(f"the model could not be reached: {type(error).__name__}") from None
        content = response.choices[0].message.content if response.choices else None
        if not content:
            raise LanguageModelError("the model answered nothing")
        return Completion(content, response.model or self.model)


def language_model(settings: Settings) -> OpenAIChatModel | None:
    """The configured model, or None when `llm_base_url` or `llm_model` is not set."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    return OpenAIChatModel(
        settings.llm_base_url,
        settings.llm_model,
        settings.llm_api_key.get_secret_value(),
        settings.llm_timeout_seconds,
    )
