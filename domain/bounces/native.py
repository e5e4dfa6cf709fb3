"""The compiled build of the bounce reader, and the guard that keeps a stale one out of use.

`make install` compiles every module of this package but this one and `__init__` with mypyc (a
compiler from the mypy project that turns type-annotated Python into a C extension, here 1.8 to
2 times faster; see tools/build_bounces.py) into `.so` files beside the sources, and writes STAMP, a
hash of the sources it compiled. Python prefers an `.so` to the `.py` of the same name, so an
edited source would lose silently to the old build; `__init__` therefore calls `choose()` before
importing anything else from the package: when the stamp does not match the sources (or
MAILTRAIL_BOUNCES_PURE=1 is set) a meta-path finder serves every `domain.bounces.*` module from
its `.py` file. Both builds give the same answers: tests/domain/bounces/test_native.py checks it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE = "domain.bounces"
HERE = Path(__file__).resolve().parent
STAMP = HERE / "native.stamp"
PURE_ONLY = ("__init__.py", "native.py")  # imported before the choice is made, so never compiled
ENV = "MAILTRAIL_BOUNCES_PURE"


class StaleBuildWarning(UserWarning):
    """The compiled modules were built from other sources than the ones on disk."""


def sources() -> list[Path]:
    """The modules the build compiles, in a stable order."""
    return sorted(
        path
        for path in HERE.rglob("*.py")
        if path.relative_to(HERE).as_posix() not in PURE_ONLY and not path.name.startswith(".")  # editors' files
    )


def source_hash() -> str:
    """A hash of the compiled modules' names and contents."""
    digest = hashlib.sha256()
    for path in sources():
        digest.update(path.relative_to(HERE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def built_files() -> list[Path]:
    """The extension modules a build left in the package."""
    return sorted({path for suffix in EXTENSION_SUFFIXES for path in HERE.rglob(f"*{suffix}")})


class PureSources:
    """A meta-path finder that loads `domain.bounces.*` from the `.py` files, never from an `.so`."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not name.startswith(PACKAGE + "."):
            return None
        base = HERE.joinpath(*name.split(".")[2:])
        if (base / "__init__.py").is_file():
            return importlib.util.spec_from_file_location(
                name, base / "__init__.py", submodule_search_locations=[str(base)]
            )
        if base.with_suffix(".py").is_file():
            return importlib.util.spec_from_file_location(name, base.with_suffix(".py"))
        return None


def choose() -> str:
    """Decide, once, whether this process runs the compiled modules: 'compiled', 'pure' or 'stale'."""
    if any(isinstance(finder, PureSources) for finder in sys.meta_path):
        return "pure"
    if os.environ.get(ENV, "") not in ("", "0"):
        sys.meta_path.insert(0, PureSources())
        return "pure"
    if not built_files():
        return "pure"
    stamp = STAMP.read_text().strip() if STAMP.is_file() else ""
    if stamp == source_hash():
        return "compiled"
    sys.meta_path.insert(0, PureSources())
    warnings.warn(
        "the compiled domain.bounces modules do not match their sources (edited since `make install`?), "
        "so the pure Python sources run; `make install` rebuilds them",
        StaleBuildWarning,
        stacklevel=2,
    )
    return "stale"


def in_use() -> bool:
    """Whether the package's modules were loaded from the compiled build."""
    module = sys.modules.get(PACKAGE + ".parse")
    return module is not None and not str(module.__file__).endswith(".py")
