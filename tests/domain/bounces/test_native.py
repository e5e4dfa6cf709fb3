"""The compiled build of the bounce reader: in use when built, never used stale, same answers as the sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import domain.bounces
from domain.bounces import native

ROOT = Path(__file__).resolve().parents[3]
BUILT = native.STAMP.is_file() and native.STAMP.read_text().strip() == native.source_hash()
needs_build = pytest.mark.skipif(not BUILT, reason="domain/bounces is not compiled here (make install builds it)")
REPORT = "import domain.bounces as b; from domain.bounces import native; print(b.BUILD, native.in_use())"
ANSWERS = r"""
import re
import domain.bounces as b
from domain.bounces import native, parse_bounce
from tests.domain.bounces.generator import corpus
print(b.BUILD, native.in_use())
for case in corpus()[::4]:
    print(re.sub(r"detected_at=datetime\.datetime\([^)]*\), ", "", repr(parse_bounce(case.raw))))
"""


def _run(code: str, path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILTRAIL_BOUNCES")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=path,
        env={**environ, "PYTHONPATH": str(path), "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def _copy_package(tmp_path: Path) -> Path:
    """A copy of domain/bounces (with whatever build it has) as the only `domain` on the path."""
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "__init__.py").write_text("")
    shutil.copytree(native.HERE, tmp_path / "domain" / "bounces", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "domain" / "bounces"


def test_the_build_make_made_is_the_one_in_use() -> None:
    pure = os.environ.get(native.ENV, "") not in ("", "0")
    expected = os.environ.get("MAILTRAIL_BOUNCES_EXPECT") or ("compiled" if BUILT and not pure else "pure")
    assert (domain.bounces.BUILD, native.in_use()) == (
        ("compiled", True) if expected == "compiled" else (domain.bounces.BUILD, False)
    )
    assert domain.bounces.BUILD in {"compiled", "pure", "stale"}


def test_a_build_that_does_not_match_the_sources_is_never_imported(tmp_path: Path) -> None:
    package = _copy_package(tmp_path)
    for path in package.rglob("*.so"):
        path.unlink()
    (package / f"parse{EXTENSION_SUFFIXES[0]}").write_bytes(b"not an extension module")  # importing it would fail
    (package / "native.stamp").write_text("0" * 64 + "\n")
    stale = _run(REPORT, tmp_path)
    assert stale.stdout.split() == ["stale", "False"]
    assert "StaleBuildWarning" in stale.stderr
    assert "make install" in stale.stderr
    asked = _run(REPORT, tmp_path, MAILTRAIL_BOUNCES_PURE="1")
    assert asked.stdout.split() == ["pure", "False"]
    assert asked.stderr == ""


@needs_build
def test_a_matching_build_is_used_and_an_edited_source_turns_it_off(tmp_path: Path) -> None:
    package = _copy_package(tmp_path)
    assert _run(REPORT, tmp_path).stdout.split() == ["compiled", "True"]
    with (package / "parse.py").open("a") as source:
        source.write("\n# edited after the build\n")
    edited = _run(REPORT, tmp_path)
    assert edited.stdout.split() == ["stale", "False"]
    assert "StaleBuildWarning" in edited.stderr


@needs_build
def test_the_compiled_and_the_pure_build_give_the_same_answers_on_the_generated_corpus() -> None:
    compiled = _run(ANSWERS, ROOT).stdout.splitlines()
    pure = _run(ANSWERS, ROOT, MAILTRAIL_BOUNCES_PURE="1").stdout.splitlines()
    assert (compiled[0], pure[0]) == ("compiled True", "pure False")
    assert len(compiled) > 500
    assert compiled[1:] == pure[1:]
