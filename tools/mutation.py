"""Mutation score of domain/'s pure rule modules, each against its own fast unit tests (`make mutation`).

mutmut 3 reads its settings from the working directory's pyproject.toml and picks the tests of a
mutant from the whole selected test set, so each target gets a scratch copy of domain/ and tests/
with its own [tool.mutmut] table: the module, and only the test files that are its own. A mutant is
killed when one of those tests fails (or hangs: a timeout is a detection too). Survivors listed in
tools/mutation_equivalents.toml behave exactly like the original (an entry names the function and
the changed line, so renumbering never hides a new survivor) and are left out of the score.

Prints each survivor's diff, a table, and as its last line a JSON object {module: score}.
Usage: python tools/mutation.py [--keep] [--jobs N] [module-or-glob ...]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from mutation_targets import HAND_MUTANTS, TARGETS, HandMutant, Target

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tools" / "mutation_equivalents.toml"
MUTMUT = Path(sys.executable).with_name("mutmut")
# Deterministic examples: a mutant is killed or not, never "killed on a lucky draw".
PYTEST_ARGS = ["--hypothesis-seed=0", "-p", "no:cacheprovider", "-q"]
KILLED = {1, 3, 24, -24, 36, 152, 255}  # test failure, pytest internal error, timeouts (mutmut's exit codes)
# Mutants are .py sources: run them pure even where a compiled domain/bounces is built.
PURE = {"PYTHONDONTWRITEBYTECODE": "1", "MAILTRAIL_BOUNCES_PURE": "1"}
STATUS = {0: "survived", 33: "no tests", 5: "no tests", None: "not checked", 35: "suspicious", -11: "segfault"}


@dataclass(frozen=True)
class Equivalent:
    function: str
    before: str
    after: str
    reason: str


@dataclass
class Row:
    module: str
    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    survivors: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def survived(self) -> int:
        return self.mutants - self.killed - self.equivalent

    @property
    def score(self) -> float | None:
        counted = self.mutants - self.equivalent
        return round(100 * self.killed / counted, 1) if counted else None


def expand(pattern: str) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def load_equivalents() -> list[Equivalent]:
    data = tomllib.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    return [
        Equivalent(function_of(e["mutant"]), e["before"].strip(), e["after"].strip(), e["reason"])
        for e in data.get("equivalent", [])
    ]


def function_of(mutant: str) -> str:
    """`domain.quota.x_next_slot__mutmut_7` -> `domain.quota.x_next_slot`: numbers shift as code changes."""
    return mutant.rsplit("__mutmut_", 1)[0]


def prepare(scratch: Path, modules: list[str], tests: list[str]) -> None:
    # The compiled bounce reader would shadow every mutant of its .py sources: the scratch copy has none.
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc", "*.so", "native.stamp")
    for tree in ("domain", "tests"):
        shutil.copytree(ROOT / tree, scratch / tree, ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text()
    if "[tool.mutmut]" in pyproject:
        raise SystemExit("pyproject.toml has a [tool.mutmut] table; tools/mutation.py writes its own per module")
    settings = {
        "source_paths": ["domain"],
        "only_mutate": modules,
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": PYTEST_ARGS,
        "use_git_change_detection": False,
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    (scratch / "pyproject.toml").write_text(pyproject + "\n".join(lines) + "\n")


def mutmut(scratch: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **PURE, "NO_COLOR": "1"}
    return subprocess.run([str(MUTMUT), *args], cwd=scratch, env=env, capture_output=True, text=True, check=False)


def exit_codes(scratch: Path, module: str) -> dict[str, int | None]:
    """mutmut's verdict per mutant of `module` (its .meta file; none when the module had nothing to mutate)."""
    meta = scratch / "mutants" / (module + ".meta")
    return dict(json.loads(meta.read_text())["exit_code_by_key"]) if meta.exists() else {}


# `mutmut show NAME`, for every survivor in one process (a process each costs a second per mutant).
SHOW_ALL = """
import json, sys
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
names = json.load(sys.stdin)
json.dump({name: get_diff_for_mutant(name, path=find_mutant(name).path) for name in names}, sys.stdout)
"""


def diffs_of(scratch: Path, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_ALL],
        cwd=scratch,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(shown.stdout))


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and added lines of a mutant's diff, stripped and joined."""
    lines = diff.splitlines()
    before = [line[1:].strip() for line in lines if line.startswith("-") and not line.startswith("---")]
    after = [line[1:].strip() for line in lines if line.startswith("+") and not line.startswith("+++")]
    return " / ".join(before), " / ".join(after)


def run_target(
    target: Target, modules: list[str], jobs: int, keep: bool, equivalents: list[Equivalent], used: set[Equivalent]
) -> tuple[list[Row], list[str], list[tuple[HandMutant, bool]]]:
    """Mutate the target's modules; return one row per module, the survivors' diffs and the hand mutants."""
    tests = sorted({t for pattern in target.tests for t in expand(pattern)})
    scratch = Path(tempfile.mkdtemp(prefix="mailtrail-mutation-"))
    # With no test selected mutmut would run the whole suite; a missing file makes it stop after
    # generating the mutants instead, which is all a module without tests needs.
    prepare(scratch, modules, tests or ["tests/no_test_file_for_this_module.py"])
    print(f"== {target.modules}: {len(modules)} module(s) against {', '.join(tests) or 'no tests'}", flush=True)
    result = mutmut(scratch, "run", "--max-children", str(jobs))
    (scratch / "mutmut-run.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0 and tests:
        print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"mutmut failed for {target.modules}; scratch copy kept in {scratch}")

    codes_by_module = {module: exit_codes(scratch, module) for module in modules}
    undetected = [name for codes in codes_by_module.values() for name, code in codes.items() if code not in KILLED]
    diff_by_name = diffs_of(scratch, undetected) if tests else {}

    rows: list[Row] = []
    diffs: list[str] = []
    for module, codes in codes_by_module.items():
        row = Row(module, mutants=len(codes), note="" if tests else "no test file")
        for name, code in sorted(codes.items(), key=lambda item: natural(item[0])):
            if code in KILLED:
                row.killed += 1
                continue
            diff = diff_by_name.get(name, "")
            before, after = changed_lines(diff)
            match = next(
                (e for e in equivalents if e.function == function_of(name) and (e.before, e.after) == (before, after)),
                None,
            )
            if match is not None:
                row.equivalent += 1
                used.add(match)
                continue
            row.survivors.append(name)
            if diff:
                diffs.append(f"# {name}: {STATUS.get(code, f'exit code {code}')}\n{diff}")
        rows.append(row)
    hand = [(m, killed_by_hand(scratch, m, tests)) for m in HAND_MUTANTS if m.module in modules]
    if keep:
        print(f"   scratch copy kept in {scratch} (cd there and run `mutmut show NAME`)")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, diffs, hand


def killed_by_hand(scratch: Path, mutant: HandMutant, tests: list[str]) -> bool:
    """Apply one hand mutation to the scratch copy, run the module's tests, put the line back."""
    path = scratch / mutant.module
    source = path.read_text()
    if source.count(mutant.before) != 1:
        raise SystemExit(f"hand mutant of {mutant.module}: {mutant.before!r} is not in it exactly once; update it")
    path.write_text(source.replace(mutant.before, mutant.after))
    try:
        if not tests:
            return False
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", *PYTEST_ARGS, *tests],
            cwd=scratch,
            env={**os.environ, **PURE},
            capture_output=True,
            check=False,
        )
        return run.returncode == 1  # tests failed (2+ would be a broken run, not a kill)
    finally:
        path.write_text(source)


def selects(wanted: str, target: Target) -> bool:
    """`wanted` names this target: its own glob, or a module it matches when no target's glob is `wanted`."""
    if wanted == target.modules:
        return True
    return all(t.modules != wanted for t in TARGETS) and fnmatch.fnmatch(wanted, target.modules)


def natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def table(rows: list[Row]) -> str:
    header = ("module", "mutants", "killed", "survived", "equivalent", "score")
    body = [
        (
            r.module,
            str(r.mutants),
            str(r.killed),
            str(r.survived),
            str(r.equivalent),
            "n/a" if r.score is None else f"{r.score:.1f}%",
        )
        + ((r.note,) if r.note else ())
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    out = []
    for line in [header, *body]:
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line[:6])]
        out.append("  ".join(cells) + ("  " + line[6] if len(line) > 6 else ""))
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only targets whose module glob matches one of these")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep each scratch copy for `mutmut show`/`browse`")
    args = parser.parse_args()
    if not MUTMUT.exists():
        raise SystemExit(f"{MUTMUT} not found: run `make install` (mutmut is a dev dependency)")

    targets = [t for t in TARGETS if not args.only or any(selects(o, t) for o in args.only)]
    equivalents = load_equivalents()
    used: set[Equivalent] = set()
    rows: list[Row] = []
    diffs: list[str] = []
    hand: list[tuple[HandMutant, bool]] = []
    # A module belongs to the first target naming it (a package's catch-all glob comes after its groups).
    claimed: set[str] = set()
    for target in TARGETS:
        modules = [m for m in expand(target.modules) if m not in claimed]
        claimed.update(modules)
        if target not in targets or not modules:
            continue
        target_rows, target_diffs, target_hand = run_target(target, modules, args.jobs, args.keep, equivalents, used)
        rows += target_rows
        diffs += target_diffs
        hand += target_hand

    ran = {r.module.removesuffix(".py").replace("/", ".") for r in rows}
    for stale in [e for e in equivalents if e not in used and e.function.rsplit(".", 1)[0] in ran]:
        print(
            f"warning: {EQUIVALENTS.name} lists {stale.function}: {stale.before!r} -> {stale.after!r}, "
            "which no longer survives (killed, or the code changed): review the entry",
            file=sys.stderr,
        )

    if diffs:
        print(f"\nSurviving mutants ({len(diffs)}):\n")
        print("\n\n".join(diffs))
    if hand:
        print("\nModule-level tables and constants, one entry changed by hand (not in the score):")
        for mutant, killed in hand:
            print(f"  {'killed  ' if killed else 'SURVIVED'}  {mutant.module}: {mutant.before} -> {mutant.after}")
    print()
    print(table(rows))
    print(json.dumps({r.module: r.score for r in rows}))


if __name__ == "__main__":
    main()
