"""The chat-completions emulator, through the real `openai` client: drafts from the prompt, on purpose mistakes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest

from sandbox.llm import DEFAULT_MODEL, ChatEmulator, Mode

PROMPT = """Write an email about this invoice.
Language: fr
Sender: Acme Billing <billing@acme.example>

Context (invoice):
- Invoice Number ({invoice_number}): INV-7
- Amount Due ({amount_due}): 1 500,00 $US
- Due Date ({due_date}): 15 mars 2024
- Client Name ({client_name}): Globex
"""


@pytest.fixture
def llm() -> Iterator[ChatEmulator]:
    with ChatEmulator(api_key="sk-sandbox") as emulator:
        yield emulator


def ask(llm: ChatEmulator, model: str = DEFAULT_MODEL, key: str = "sk-sandbox") -> dict[str, str]:
    client = openai.OpenAI(base_url=llm.base_url, api_key=key, max_retries=0)
    response = client.chat.completions.create(model=model, messages=[{"role": "user", "content": PROMPT}])
    assert response.system_fingerprint == "mailtrail-sandbox"
    return dict(json.loads(response.choices[0].message.content or ""))


def test_a_draft_restates_the_context_in_the_prompts_language(llm: ChatEmulator) -> None:
    draft = ask(llm)
    assert draft["subject"] == "Invoice INV-7: 1 500,00 $US (15 mars 2024)"
    assert draft["body"].startswith("Bonjour Globex,")
    assert "Amount Due: 1 500,00 $US" in draft["body"]
    assert draft["body"].endswith("Cordialement,\nAcme Billing")
    assert llm.requests[0]["messages"][0]["content"] == PROMPT


def test_drafts_are_deterministic(llm: ChatEmulator) -> None:
    assert ask(llm) == ask(llm)


def test_the_invent_switches_change_one_fact(llm: ChatEmulator) -> None:
    grounded = ask(llm)
    llm.set_mode(Mode.INVENT_AMOUNT)
    wrong = ask(llm)
    assert "2 500,00 $US" in wrong["body"] and "1 500,00 $US" not in wrong["body"]
    httpx.post(llm.base_url.removesuffix("/v1") + "/_control/mode", json={"mode": "invent_link"}).raise_for_status()
    linked = ask(llm)
    assert "https://pay.invented.example/checkout/7731" in linked["body"]
    assert linked["subject"] == grounded["subject"]


def test_errors_look_like_openais(llm: ChatEmulator) -> None:
    with pytest.raises(openai.AuthenticationError, match="Incorrect API key"):
        ask(llm, key="wrong")
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        ask(llm, model="gpt-nope")
    llm.set_mode(Mode.ERROR)
    with pytest.raises(openai.InternalServerError, match="asked to fail"):
        ask(llm)


def test_models_are_listed(llm: ChatEmulator) -> None:
    client = openai.OpenAI(base_url=llm.base_url, api_key="sk-sandbox", max_retries=0)
    assert [m.id for m in client.models.list()] == [DEFAULT_MODEL]
