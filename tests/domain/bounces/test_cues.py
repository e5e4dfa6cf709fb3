"""The families' cues: the registry asks only the sniffers whose cues a notice shows, so every
notice a sniffer recognises must show one of its family's cues."""

from __future__ import annotations

from functools import cache

import pytest

from domain.bounces import registry
from domain.bounces.family import Cues
from domain.bounces.lazy import lazy
from domain.bounces.notice import Notice
from tests.domain.bounces import lhost_a_notices, notices
from tests.domain.bounces.generator import corpus


@cache
def _messages() -> list[bytes]:
    found = [case.raw for case in corpus()]
    for module in (notices, lhost_a_notices):
        for value in vars(module).values():
            if isinstance(value, str):
                value = value.encode()
            if isinstance(value, bytes) and b"\n\n" in value:
                found.append(value)
    return found


def _recognising(notice: Notice) -> list[str]:
    names = []
    for family in registry.FAMILIES:
        try:
            if family.sniff(notice):
                names.append(family.name)
        except Exception:
            continue
    return names


def test_every_family_a_notice_is_recognised_by_is_among_the_cued_ones() -> None:
    recognised: set[str] = set()
    for raw in _messages():
        for notice in (Notice.read(raw), *([Notice(o)] if (o := Notice.read(raw).original) else [])):
            shown = registry.cued(notice)
            assert shown is not None
            for name in _recognising(notice):
                recognised.add(name)
                cues = next(f for f in registry.FAMILIES if f.name == name).cues
                assert cues is None or name in shown, name
    assert recognised == {f.name for f in registry.FAMILIES}  # every family's cues were put to the test


def test_identify_finds_the_first_recognising_family_as_asking_every_sniffer_would() -> None:
    for raw in _messages():
        notice = Notice.read(raw)
        first = next(iter(_recognising(notice)), "generic")
        assert registry.identify(notice).name == first


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("X-AOL-IP: 192.0.2.1\n", {"aol"}),
        ("Subject: Delivery Status Notification (Failure)\n", {"gmail"}),
        ('From: "Content-filter at mx" <postmaster@mx.example>\n', {"amavis", "gmx"}),
    ],
)
def test_a_field_a_subject_or_a_sender_shows_its_family_s_cue(head: str, expected: set[str]) -> None:
    assert registry.cued(Notice.read(f"{head}\nhello\n".encode())) == expected


def test_a_word_cue_must_stand_alone_in_the_intro() -> None:
    assert "dragonfly" in (registry.cued(Notice.read(b"Subject: x\n\nThis is the DragonFly Mail Agent.\n")) or ())
    assert "dragonfly" not in (registry.cued(Notice.read(b"Subject: x\n\nthe dragonflies\n")) or ())
    assert Cues(words=("one",)).words == ("one",)


class UnreadableIntro(Notice):
    """A notice whose intro cannot be read: the cues give way to asking every sniffer."""

    @lazy
    def intro(self) -> str:
        raise ValueError("unreadable")


def test_when_the_cues_cannot_be_read_every_sniffer_is_asked() -> None:
    notice = UnreadableIntro(Notice.read(b"X-AOL-IP: 192.0.2.1\nSubject: x\n\nbody\n").root)
    assert registry.cued(notice) is None
    assert registry.identify(notice).name == "aol"
