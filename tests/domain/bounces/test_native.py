"""The compiled build of the bounce reader: in use when built, never used stale, same answers as the sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
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
    if environ.get("MUTANT_UNDER_TEST") == "stats":  # mutmut records hits in its own process only
        del environ["MUTANT_UNDER_TEST"]
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


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pure copy of domain/bounces that `native` looks at in place of the real one."""
    copy = tmp_path / "bounces"
    shutil.copytree(native.HERE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "native.stamp"))
    monkeypatch.setattr(native, "HERE", copy)
    monkeypatch.setattr(native, "STAMP", copy / "native.stamp")
    # This process's own choice (a finder, when it runs pure) is put back after the test.
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, native.PureSources)])
    monkeypatch.delenv(native.ENV, raising=False)
    return copy


def _finders() -> list[native.PureSources]:
    return [finder for finder in sys.meta_path if isinstance(finder, native.PureSources)]


def test_the_hash_covers_every_compiled_source_by_name_and_content_and_nothing_else(package: Path) -> None:
    names = [path.relative_to(package).as_posix() for path in native.sources()]
    assert "parse.py" in names and "families/exim.py" in names and "families/__init__.py" in names
    assert "__init__.py" not in names and "native.py" not in names
    assert names == sorted(names)
    before = native.source_hash()
    (package / ".#parse.py").write_text("an editor's lock file")
    (package / "native.py").write_text("# not compiled: not hashed\n")
    assert native.source_hash() == before
    (package / "codes.py").write_text((package / "codes.py").read_text() + "\n")
    edited = native.source_hash()
    assert edited != before
    (package / "codes.py").rename(package / "codes2.py")
    assert native.source_hash() != edited


def test_without_a_build_the_sources_run_and_no_finder_is_added(package: Path) -> None:
    assert native.built_files() == []
    assert native.choose() == "pure"
    assert _finders() == []


def test_a_build_stamped_with_the_sources_hash_is_used(package: Path) -> None:
    (package / f"parse{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    (package / "families" / f"exim{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    assert [path.name for path in native.built_files()] == [
        f"exim{EXTENSION_SUFFIXES[0]}",
        f"parse{EXTENSION_SUFFIXES[0]}",
    ]
    native.STAMP.write_text(native.source_hash() + "\n")
    assert native.choose() == "compiled"
    assert _finders() == []


def test_a_build_with_another_stamp_or_none_is_replaced_by_the_sources_with_a_warning(package: Path) -> None:
    (package / f"parse{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    with pytest.warns(native.StaleBuildWarning, match=r"do not match their sources .* `make install` rebuilds"):
        assert native.choose() == "stale"
    assert sys.meta_path.index(_finders()[0]) == 0
    assert native.choose() == "pure"  # decided once: the finder is already there
    assert len(_finders()) == 1


@pytest.mark.parametrize(("value", "expected"), [("1", "pure"), ("yes", "pure"), ("0", "compiled"), ("", "compiled")])
def test_the_environment_asks_for_the_sources(
    package: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    (package / f"parse{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    native.STAMP.write_text(native.source_hash())
    monkeypatch.setenv(native.ENV, value)
    assert native.choose() == expected
    assert len(_finders()) == (1 if expected == "pure" else 0)
    assert isinstance(sys.meta_path[0], native.PureSources) == (expected == "pure")  # before every other finder


def test_the_finder_serves_the_package_s_modules_and_packages_from_their_sources(package: Path) -> None:
    finder = native.PureSources()
    module = finder.find_spec("domain.bounces.parse")
    assert module is not None and module.origin == str(package / "parse.py")
    assert module.submodule_search_locations is None
    families = finder.find_spec("domain.bounces.families")
    assert families is not None and families.origin == str(package / "families" / "__init__.py")
    assert families.submodule_search_locations == [str(package / "families")]
    nested = finder.find_spec("domain.bounces.families.exim")
    assert nested is not None and nested.origin == str(package / "families" / "exim.py")
    assert finder.find_spec("domain.bounces.nothing") is None
    assert finder.find_spec("domain.bouncesx.parse") is None
    assert finder.find_spec("domain.records") is None


def test_in_use_tells_a_compiled_parse_module_from_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("domain.bounces.parse")
    monkeypatch.setitem(sys.modules, "domain.bounces.parse", fake)
    fake.__file__ = f"/x/parse{EXTENSION_SUFFIXES[0]}"
    assert native.in_use()
    fake.__file__ = "/x/parse.py"
    assert not native.in_use()
    monkeypatch.delitem(sys.modules, "domain.bounces.parse")
    assert not native.in_use()
