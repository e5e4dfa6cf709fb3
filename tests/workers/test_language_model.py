"""The language-model adapter over the real `openai` client, against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.language_model import ChatMessage, LanguageModelError
from domain.settings import Settings
from sandbox.llm import DEFAULT_MODEL, ChatEmulator, Mode
from workers.language_model import OpenAIChatModel, language_model

MESSAGES = [ChatMessage("user", "Context (invoice):\n- Invoice Number ({invoice_number}): INV-9\n")]


@pytest.fixture
def llm() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emulator:
        yield emulator


def test_a_completion_names_the_model(llm: ChatEmulator) -> None:
    completion = OpenAIChatModel(llm.base_url, DEFAULT_MODEL).complete(MESSAGES)
    assert completion.model == DEFAULT_MODEL
    assert '"subject": "Invoice INV-9"' in completion.text


@pytest.mark.parametrize(("model", "message"), [(DEFAULT_MODEL, "HTTP 500"), ("gpt-nope", "HTTP 404")])
def test_server_errors_become_language_model_errors(llm: ChatEmulator, model: str, message: str) -> None:
    llm.set_mode(Mode.ERROR)
    with pytest.raises(LanguageModelError, match=message):
        OpenAIChatModel(llm.base_url, model).complete(MESSAGES)


def test_an_unreachable_server_is_a_language_model_error() -> None:
    with pytest.raises(LanguageModelError, match="could not be reached"):
        OpenAIChatModel("http://127.0.0.1:9/v1", DEFAULT_MODEL, timeout=2).complete(MESSAGES)


def test_no_model_is_configured_without_a_base_url_and_a_model() -> None:
    assert language_model(Settings(llm_base_url="", llm_model="x")) is None
    assert language_model(Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="")) is None
    assert language_model(Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="m")) is not None
