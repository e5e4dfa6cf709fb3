"""quick_init: a frozen dataclass built by writing its __dict__ is the same value, still frozen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from domain.bounces.findings import Finding
from domain.bounces.frozen import quick_init
from domain.bounces.model import Bounce, BouncedRecipient, Permanence


@dataclasses.dataclass(frozen=True)
class Plain:
    name: str
    count: int = 3
    tags: list[str] = dataclasses.field(default_factory=list)


@quick_init
@dataclasses.dataclass(frozen=True)
class Quick:
    name: str
    count: int = 3
    tags: list[str] = dataclasses.field(default_factory=list)


def test_a_quick_instance_equals_the_generated_one_field_for_field() -> None:
    assert dataclasses.astuple(Quick("a")) == dataclasses.astuple(Plain("a"))
    assert dataclasses.astuple(Quick("a", 5, ["x"])) == dataclasses.astuple(Plain("a", 5, ["x"]))
    assert dataclasses.astuple(Quick(name="a", tags=["y"])) == dataclasses.astuple(Plain(name="a", tags=["y"]))
    assert Quick("a") == Quick("a") and hash(Finding("a@b.example")) == hash(Finding("a@b.example"))


def test_each_instance_gets_its_own_default_from_the_factory() -> None:
    first, second = Quick("a"), Quick("b")
    assert first.tags == [] and first.tags is not second.tags


def test_a_quick_instance_is_still_frozen() -> None:
    recipient = BouncedRecipient("a@b.example", "failed", "5.1.1", "550 5.1.1 unknown", "userunknown", Permanence.HARD)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'reason'"):
        recipient.reason = "other"  # type: ignore[misc]
    bounce = Bounce(recipients=(recipient,), original_message_id=None, detected_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert bounce.extra == {} and bounce.references == ()


def test_missing_arguments_fail_as_the_generated_init_does() -> None:
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'name'"):
        Quick()  # type: ignore[call-arg]


def test_a_class_quick_init_cannot_build_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        name: str

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="plain fields only"):
        quick_init(Checked)
    with pytest.raises(TypeError, match="not a frozen dataclass"):
        quick_init(dataclasses.dataclass(type("Loose", (), {"__annotations__": {"name": str}})))
