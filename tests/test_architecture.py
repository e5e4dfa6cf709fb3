"""Imports run one way: api -> workers -> domain; sandbox stands alone; pure rules touch no database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_RULES = (
    "lifecycle",
    "delivery",
    "errors",
    "mime",
    "bounces",
    "autoreply",
    "correlation",
    "quota",
    # domain/content's rules
    "fields",
    "formatting",
    "render",
    "facts",
    "grounding",
    "condition",
    "prompt",
    "signing",
    "context",
    "language_model",
    "context_provider",
    "targets",
    "policy",
    "payload",
    "precedence",
    "signals",
    "details",
    "send_window",
    "account_kind",
)
FORBIDDEN = {
    "domain": {"api", "workers", "sandbox", "strawberry", "dramatiq", "googleapiclient", "starlette"},
    "workers": {"api", "sandbox", "strawberry", "starlette"},
    "sandbox": {"api", "domain", "workers"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package]) for path in modules(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert modules(package), f"{package} has no modules"


def test_pure_rule_modules_use_no_database_library() -> None:
    offenders = {}
    for path in modules("domain"):
        if path.stem in PURE_RULES or path.parent.name in PURE_RULES:
            bad = imported_roots(path) & {"sqlmodel", "sqlalchemy", "psycopg", "pydantic_settings"}
            if bad:
                offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}
