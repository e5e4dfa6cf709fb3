"""graphql-schema-linter on schema.graphql: a schema that documents itself and pages the Relay way.

The linter is an npm package pinned in tools/schema-lint/package-lock.json and installed by
`make install` (and by `make test` before pytest runs).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schema.graphql"
LINTER = ROOT / "tools" / "schema-lint" / "node_modules" / ".bin" / "graphql-schema-linter"
RULES = (
    "types-have-descriptions",
    "fields-have-descriptions",
    "arguments-have-descriptions",
    "input-object-values-have-descriptions",
    "enum-values-have-descriptions",
    "relay-connection-types-spec",
    "relay-connection-arguments-spec",
    "relay-page-info-spec",
)


def lint(schema: Path) -> list[dict[str, object]]:
    """The linter's complaints about one schema file (none: it passes)."""
    assert LINTER.exists(), "graphql-schema-linter is missing: run `make install`"
    run = subprocess.run(
        [str(LINTER), "--rules", ",".join(RULES), "--format", "json", str(schema)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    errors: list[dict[str, object]] = json.loads(run.stdout)["errors"]
    assert (run.returncode == 0) == (not errors), run.stderr
    return errors


def test_every_type_field_argument_and_enum_value_is_described_and_paging_follows_relay() -> None:
    errors = lint(SCHEMA_FILE)
    assert [f"{e['message']} ({e['rule']})" for e in errors] == []


def test_the_linter_catches_a_missing_description(tmp_path: Path) -> None:
    """The check can fail: the published schema with one field's description taken out does."""
    sdl = SCHEMA_FILE.read_text()
    described = '  """The secret bearer token (`mt_...`); only its hash is stored."""\n  token: String!\n'
    assert described in sdl
    undescribed = tmp_path / "schema.graphql"
    undescribed.write_text(sdl.replace(described, "  token: String!\n"))
    errors = lint(undescribed)
    assert [(e["rule"], e["message"]) for e in errors] == [
        ("fields-have-descriptions", "The field `ApiTokenCreated.token` is missing a description.")
    ]


def test_the_linter_catches_a_connection_without_page_info(tmp_path: Path) -> None:
    sdl = SCHEMA_FILE.read_text()
    connection = re.search(r"type OutboundEmailConnection \{.*?\n\}", sdl, re.S)
    assert connection is not None
    broken = re.sub(r'(  """[^"]*"""\n)?  pageInfo: PageInfo!\n\n?', "", connection.group(0))
    assert "pageInfo" not in broken
    undescribed = tmp_path / "schema.graphql"
    undescribed.write_text(sdl.replace(connection.group(0), broken))
    rules = {e["rule"] for e in lint(undescribed)}
    assert rules == {"relay-connection-types-spec"}
