"""`make run` twice: a second instance on the same data refuses to start; a restart keeps the demo keys."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
from sqlmodel import select

from api.embedded import (
    DEMO_ACCOUNT,
    EmbeddedParts,
    _held,
    bootstrap_demo,
    hold_data_directory,
    stored_demo_credentials,
)
from domain.records import MailAccount
from tests.conftest import free_port
from workers.credentials import CredentialCipher
from workers.db import session_scope

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_embedded_instance_on_the_same_data_refuses_to_start(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mine = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/mailtrail.db"})
    hold_data_directory(mine)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILTRAIL_DATABASE_URL": mine.database_url}
        second = subprocess.run(
            [
                sys.executable,
                "-c",
                "from api.embedded import hold_data_directory; from domain.settings import get_settings; "
                "hold_data_directory(get_settings()); print('started anyway')",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        _held.pop().close()
    assert second.returncode == 1, second
    assert "started anyway" not in second.stdout
    assert f"Another embedded Mailtrail (pid {os.getpid()}) is using {tmp_path}" in second.stderr
    # Once the first is gone, the data directory is free again.
    again = subprocess.run(
        [
            sys.executable,
            "-c",
            "from api.embedded import hold_data_directory; from domain.settings import "
            "get_settings; hold_data_directory(get_settings()); print('started')",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and "started" in again.stdout, again


def demo_account() -> MailAccount:
    with session_scope() as session:
        account = session.exec(select(MailAccount).where(MailAccount.email == DEMO_ACCOUNT)).one()
        session.expunge(account)
        return account


def test_a_restart_keeps_the_demo_accounts_tokens_and_the_new_emulator_honours_them(settings) -> None:  # type: ignore[no-untyped-def]
    def start() -> EmbeddedParts:
        mine = settings.model_copy(update={"sandbox_port": free_port(), "demo_token": f"mt_demo_{uuid.uuid4().hex}"})
        parts = EmbeddedParts(mine)
        credentials, history_id = parts.start_emulator(stored_demo_credentials(mine))
        bootstrap_demo(mine, credentials, history_id)
        return parts

    first = start()
    sealed = demo_account().credentials_encrypted
    first.emulator.stop()
    second = start()
    try:
        account = demo_account()
        assert account.credentials_encrypted == sealed  # never re-keyed by a start
        assert account.history_id == second.emulator.store.mailbox(DEMO_ACCOUNT).history_id
        token = CredentialCipher.from_settings(settings).decrypt(sealed or "")["token"]
        profile = httpx.get(
            f"{second.emulator.base_url}/gmail/v1/users/me/profile", headers={"Authorization": f"Bearer {token}"}
        )
        assert profile.status_code == 200, profile.text
        assert profile.json()["emailAddress"] == DEMO_ACCOUNT
    finally:
        second.emulator.stop()
