"""The model's prompt and answer, and the provider request signature."""

from __future__ import annotations

import uuid

import pytest

from domain.content.prompt import PromptInput, ThreadMessage, UnreadableAnswer, build_messages, parse_answer
from domain.content.signing import provider_secret, signed_headers, verify


def test_the_prompt_carries_values_sender_thread_and_hint() -> None:
    messages = build_messages(
        PromptInput(
            context_type="invoice",
            values=[("Amount Due", "amount_due", "$1,500.00")],
            locale="fr",
            today="5 décembre 2026",
            sender_name="Acme Billing",
            sender_email="billing@acme.example",
            hint="be brief",
            thread=[ThreadMessage("client@example.com", "Question", "When is it due?")],
        )
    )
    assert [m.role for m in messages] == ["system", "user"]
    assert "Never invent an amount" in messages[0].content
    user = messages[1].content
    for expected in (
        "Language: fr",
        "Sender: Acme Billing <billing@acme.example>",
        "- Amount Due ({amount_due}): $1,500.00",
        "> When is it due?",
        "Hint: be brief",
    ):
        assert expected in user


@pytest.mark.parametrize(
    "answer",
    [
        '{"subject": "Invoice  due", "body": "Pay it."}',
        '```json\n{"subject": "Invoice due", "body": "Pay it."}\n```',
        'Sure! {"subject": "Invoice due", "body": "Pay it."}',
        "Subject: Invoice due\nPay it.",
    ],
)
def test_the_answer_is_read_in_the_shapes_models_give(answer: str) -> None:
    assert parse_answer(answer) == ("Invoice due", "Pay it.")


@pytest.mark.parametrize("answer", ["", "I would be happy to help.", '{"subject": "", "body": "x"}'])
def test_an_answer_without_subject_and_body_is_unreadable(answer: str) -> None:
    with pytest.raises(UnreadableAnswer, match="no subject and body"):
        parse_answer(answer)


def test_a_signed_request_verifies_only_with_its_secret_and_in_time() -> None:
    org, other = uuid.uuid4(), uuid.uuid4()
    secret = provider_secret("master", org, "invoice")
    assert secret != provider_secret("master", other, "invoice") != provider_secret("master", org, "order")
    entity = str(uuid.uuid4())
    headers = signed_headers(secret, 1_700_000_000, "invoice", entity)
    assert verify(secret, headers, "invoice", entity, now=1_700_000_100)
    assert not verify(secret, headers, "invoice", entity, now=1_700_001_000)  # too old
    assert not verify(secret, headers, "invoice", str(uuid.uuid4()), now=1_700_000_100)  # another entity
    assert not verify(provider_secret("master", other, "invoice"), headers, "invoice", entity, now=1_700_000_100)
