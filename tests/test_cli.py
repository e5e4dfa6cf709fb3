"""The `mailtrail` console command, run as a newcomer would."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

from domain.tokens import hash_token


def test_tokens_create_makes_the_organization_and_prints_the_token_last(db: str) -> None:
    env = {**os.environ, "MAILTRAIL_DATABASE_URL": db}
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "tokens", "create", "--org", "Initech"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("mt_") and len(token) > 40
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT o.name FROM api_token t JOIN organization o ON o.id = t.organization_id WHERE t.token_hash = %s",
            (hash_token(token),),
        ).fetchone()
        assert row == ("Initech",)
        assert conn.execute("SELECT count(*) FROM api_token WHERE token_hash = %s", (token,)).fetchone() == (0,)
    second = (
        subprocess.run(
            [sys.executable, "-m", "api.cli", "tokens", "create", "--org", "Initech"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert second != token
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM organization WHERE name = 'Initech'").fetchone() == (1,)
