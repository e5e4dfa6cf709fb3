"""Compile domain/bounces with mypyc into extension modules beside its sources (`make install` runs it).

Every module of the package but `__init__` and `native` (which choose between the builds) goes
into one C extension group, `domain/bounces/_native__mypyc*.so`, plus a small `.so` per module
that Python imports in place of its `.py`. The source hash written last to
domain/bounces/native.stamp tells `domain.bounces.native` that the build matches the sources.
Without a C compiler, mypyc or Python's headers the old build is removed, and the pure sources
run (same answers, slower).

Usage: python tools/build_bounces.py [--clean]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import shutil
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["MAILTRAIL_BOUNCES_PURE"] = "1"  # importing domain.bounces.native must not load the old build

from domain.bounces import native  # noqa: E402

BUILD = ROOT / "build" / "bounces"


def clean() -> None:
    """Remove every compiled module and the stamp: the pure sources run."""
    native.STAMP.unlink(missing_ok=True)
    for path in native.built_files():
        path.unlink()


# str.lower for the compiled modules: mypyc's own primitive for ASCII text, CPython's method otherwise.
EXACT_LOWER = """\
#include <Python.h>
PyObject *CPyStr_Lower(PyObject *str);  /* mypyc's lib-rt */
static inline PyObject *MailtrailStr_Lower(PyObject *str) {
    if (PyUnicode_IS_ASCII(str))
        return CPyStr_Lower(str);
    return PyObject_CallMethod(str, "lower", NULL);
}
"""


def exact_lower() -> list[str]:
    """Compile `str.lower()` exactly as CPython computes it; the compiler flags that make it so.

    mypyc's CPyStr_Lower maps a non-ASCII string character by character on Python < 3.13, which
    misses the one context-dependent rule of str.lower: a capital sigma ending a word becomes a
    final sigma ('\u03a3\u03a3'.lower() ends in '\u03c2', the primitive's in '\u03c3'). The
    compiled build must give the pure one's answers on every message (tests/domain/bounces/
    test_text.py finds the case), so a non-ASCII string is lowered by CPython's own method;
    ASCII text, where the two agree, keeps the primitive's direct call.
    """
    from mypyc.ir.ops import ERR_MAGIC
    from mypyc.ir.rtypes import str_rprimitive
    from mypyc.primitives.registry import method_call_ops, method_op

    ops = method_call_ops.get("lower", [])
    ops[:] = [op for op in ops if op.c_function_name != "CPyStr_Lower"]
    method_op(
        name="lower",
        arg_types=[str_rprimitive],
        return_type=str_rprimitive,
        c_function_name="MailtrailStr_Lower",
        error_kind=ERR_MAGIC,
    )
    header = BUILD / "exact_lower.h"
    header.parent.mkdir(parents=True, exist_ok=True)
    header.write_text(EXACT_LOWER)
    return ["-include", str(header)]


def build() -> None:
    """Compile the package in place and stamp it."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    clean()
    flags = exact_lower()
    stamp = native.source_hash()
    os.chdir(ROOT)
    paths = [path.relative_to(ROOT).as_posix() for path in native.sources()]
    extensions = mypycify(paths, opt_level="3", group_name="domain.bounces._native", target_dir=str(BUILD / "c"))
    for extension in extensions:
        extension.extra_compile_args = [*extension.extra_compile_args, *flags]
    distribution = Distribution({"name": "mailtrail-bounces", "ext_modules": extensions})
    command = distribution.get_command_obj("build_ext")
    command.inplace = True  # type: ignore[attr-defined]
    command.build_temp = str(BUILD / "temp")  # type: ignore[attr-defined]
    distribution.run_command("build_ext")
    if native.source_hash() != stamp:
        raise SystemExit("domain/bounces changed during the build; run it again")
    native.STAMP.write_text(stamp + "\n")


def missing() -> str | None:
    """What the build needs and this machine lacks, or None."""
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    if not shutil.which(shlex.split(compiler)[0]):
        return f"no C compiler ({compiler})"
    if importlib.util.find_spec("mypyc") is None:
        return "no mypyc (it ships with mypy: pip install mypy)"
    if not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        return "no Python headers (Python.h)"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled build and stop")
    args = parser.parse_args()
    if args.clean:
        clean()
        return
    lacking = missing()
    if lacking:
        clean()
        print(f"domain/bounces not compiled: {lacking}; it runs as pure Python (same answers, slower)")
        return
    started = time.monotonic()
    build()
    print(f"domain/bounces compiled with mypyc in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
