"""The README stays true: every setting is documented, and the two commands are there."""

from __future__ import annotations

from pathlib import Path

from domain.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [name for name in Settings.model_fields if f"| `{name}` |" not in README]
    assert missing == []


def test_the_readme_gives_the_two_commands() -> None:
    assert "make run" in README
    assert "make test" in README
