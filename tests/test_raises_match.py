"""Every pytest.raises says what it expects (match= or check=), so another error of the same type fails.

ruff's PT011 (configured for every exception in pyproject.toml) misses a tuple of exception types;
this walk sees every call.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent
EXEMPT: dict[str, str] = {}
"""`path:line` -> why that pytest.raises cannot say more (none today)."""


def unmatched_raises(source: str) -> list[int]:
    """Lines of pytest.raises(...) calls with no non-empty `match` or `check` keyword."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "raises"
            and isinstance(func.value, ast.Name)
            and func.value.id == "pytest"
        ):
            continue
        said = {k.arg for k in node.keywords if not (isinstance(k.value, ast.Constant) and k.value.value in ("", None))}
        if not said & {"match", "check"}:
            lines.append(node.lineno)
    return lines


def test_the_walk_finds_a_raises_that_says_nothing() -> None:
    source = """
import pytest
with pytest.raises(KeyError):
    pass
with pytest.raises((KeyError, ValueError)):
    pass
with pytest.raises(KeyError, match=""):
    pass
with pytest.raises(KeyError, match="x"), pytest.raises(OSError, check=lambda e: e.errno == 2):
    pass
"""
    assert unmatched_raises(source) == [3, 5, 7]


def test_every_pytest_raises_in_the_tests_says_what_it_expects() -> None:
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{line}"
        for path in sorted(ROOT.rglob("*.py"))
        for line in unmatched_raises(path.read_text())
    ]
    assert [o for o in offenders if o not in EXEMPT] == []
