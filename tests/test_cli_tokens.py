"""Token lifecycle from the console command, and a clear word when it is run away from its data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from domain.tokens import hash_token

ROOT = Path(__file__).resolve().parent.parent


def mailtrail(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tokens_are_created_with_scopes_and_expiry_listed_and_revoked(db: str) -> None:
    env = {**os.environ, "MAILTRAIL_DATABASE_URL": db}
    created = mailtrail(
        "tokens",
        "create",
        "--org",
        "Umbrella",
        "--name",
        "billing",
        "--scopes",
        "EMAILS_READ,EMAILS_SEND",
        "--expires-in-days",
        "30",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT id, scopes, expires_at > now() + interval '29 days' FROM api_token WHERE token_hash = %s",
            (hash_token(token),),
        ).fetchone()
    assert row is not None and row[1] == ["EMAILS_READ", "EMAILS_SEND"] and row[2] is True
    listed = mailtrail("tokens", "list", "--org", "Umbrella", env=env)
    assert str(row[0]) in listed.stdout and "billing" in listed.stdout and token[-4:] in listed.stdout
    assert token not in listed.stdout
    assert mailtrail("tokens", "revoke", "--org", "Umbrella", "--id", str(row[0]), env=env).returncode == 0
    assert str(row[0]) not in mailtrail("tokens", "list", "--org", "Umbrella", env=env).stdout
    bad = mailtrail("tokens", "create", "--org", "Umbrella", "--scopes", "EMAILS_EVERYTHING", env=env)
    assert bad.returncode == 2 and "'EMAILS_EVERYTHING' is not a scope" in bad.stderr
    elsewhere = mailtrail("tokens", "list", "--org", "Nobody", env=env)
    assert elsewhere.returncode == 2 and "organization not found" in elsewhere.stderr


def test_an_organization_gets_its_own_rate_limit(db: str) -> None:
    env = {**os.environ, "MAILTRAIL_DATABASE_URL": db}
    assert mailtrail("tokens", "create", "--org", "Slow", env=env).returncode == 0
    assert mailtrail("orgs", "rate-limit", "--org", "Slow", "--per-minute", "5", env=env).returncode == 0
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT rate_limit_per_minute FROM organization WHERE name = 'Slow'").fetchone() == (5,)


def test_run_outside_the_checkout_it_says_where_it_looked_instead_of_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILTRAIL_")}
    result = mailtrail("tokens", "create", "--org", "demo", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert f"No Mailtrail database at {tmp_path / '.mailtrail' / 'mailtrail.db'}" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / ".mailtrail").mkdir()
    (tmp_path / ".mailtrail" / "mailtrail.db").touch()  # there, but never migrated
    result = mailtrail("tokens", "list", "--org", "demo", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "mailtrail migrate" in result.stderr and "Traceback" not in result.stderr
