"""The helpers every family module uses: phrase tables and sections of lines (built here, at test
time, so a change to them is seen even though the families build theirs at import)."""

from __future__ import annotations

import re

import pytest

from domain.bounces import registry
from domain.bounces.family import Family, phrase_table, section
from domain.bounces.notice import Notice

TABLE: dict[str, tuple[str, ...]] = {
    "mailboxfull": ("Mailbox FULL", "over quota (a.b)"),
    "userunknown": ("no such user", "Mailbox"),
}


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("550 mailbox full", "mailboxfull"),
        ("550 MAILBOX FULL", "mailboxfull"),
        ("552 user is Over Quota (a.b) today", "mailboxfull"),
        ("552 user is over quota (aXb)", None),  # the phrase is literal text, not a pattern
        ("550 No such user here", "userunknown"),
        ("550 mailbox unavailable", "userunknown"),  # the first reason whose phrase is there wins
        ("250 ok", None),
        ("", None),
    ],
)
def test_a_phrase_table_gives_the_first_reason_whose_phrase_the_diagnostic_contains(
    diagnostic: str, reason: str | None
) -> None:
    assert phrase_table(TABLE)(diagnostic) == reason


def test_a_phrase_table_does_not_join_its_phrases_into_one() -> None:
    lookup = phrase_table({"rejected": ("sender", "denied")})
    assert lookup("sender denied") == "rejected"
    assert lookup("senderXXdenied") == "rejected"
    assert lookup("XX") is None


LINES = ["intro", "Failed:", "a@x.example", "b@x.example", "-- end --", "tail"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("^Failed:", None, ["a@x.example", "b@x.example", "-- end --", "tail"]),
        ("^Failed:", "^-- end", ["a@x.example", "b@x.example"]),
        ("^Failed:", "^never", ["a@x.example", "b@x.example", "-- end --", "tail"]),
        ("^never", None, []),
    ],
)
def test_a_section_is_the_lines_after_its_start_up_to_its_end(start: str, end: str | None, expected: list[str]) -> None:
    assert section(LINES, re.compile(start), re.compile(end) if end else None) == expected


def _broken_sniff(notice: Notice) -> bool:
    raise ValueError("this family cannot read the notice")


def test_a_family_whose_sniffing_fails_costs_only_that_family(monkeypatch: pytest.MonkeyPatch) -> None:
    later = Family("later", sniff=lambda notice: True)
    monkeypatch.setattr(registry, "FAMILIES", (Family("broken", sniff=_broken_sniff), later))
    assert registry.identify(Notice.read(b"Subject: x\n\nbody\n")) is later
    monkeypatch.setattr(registry, "FAMILIES", (Family("broken", sniff=_broken_sniff),))
    assert registry.identify(Notice.read(b"Subject: x\n\nbody\n")) is registry.GENERIC
