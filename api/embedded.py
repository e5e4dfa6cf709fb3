"""`make run`: the API with everything it needs in one process, on embedded defaults.

SQLite under .mailtrail/, a demo organization with a ready token and a connected account
`demo@mailtrail.test`, and (as they land) the Gmail emulator, an in-process worker and the scheduler.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlmodel import select
from starlette.applications import Starlette

from api.app import create_app
from domain.records import AccountState, MailAccount
from domain.settings import EMBEDDED_DIR, Settings
from domain.tokens import TOKEN_PREFIX, ensure_organization, issue_token
from workers.db import session_scope

DEMO_ORG = "demo"
DEMO_ACCOUNT = "demo@mailtrail.test"


def demo_token(settings: Settings) -> str:
    """MAILTRAIL_DEMO_TOKEN, or one generated once and kept under .mailtrail/ so it survives restarts."""
    if settings.demo_token:
        return settings.demo_token
    path = Path(EMBEDDED_DIR) / "demo_token"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = TOKEN_PREFIX + "demo_" + secrets.token_urlsafe(16)
    path.write_text(token + "\n")
    return token


def bootstrap_demo(settings: Settings) -> str:
    """Ensure the demo organization, its token and its connected account exist; return the token."""
    token = demo_token(settings)
    with session_scope() as session:
        org = ensure_organization(session, DEMO_ORG)
        issue_token(session, org.id, name="demo", token=token)
        account = session.exec(select(MailAccount).where(MailAccount.email == DEMO_ACCOUNT)).first()
        if account is None:
            session.add(
                MailAccount(
                    organization_id=org.id,
                    email=DEMO_ACCOUNT,
                    display_name="Demo Sender",
                    state=AccountState.ACTIVE,
                )
            )
    return token


def banner(settings: Settings, token: str) -> str:
    url = f"{settings.base_url}/graphql"
    return "\n".join(
        [
            "",
            "Mailtrail is starting (embedded mode).",
            f"  GraphQL + GraphiQL: {url}",
            f"  Demo account:       {DEMO_ACCOUNT}",
            "  Demo bearer token (set the header 'Authorization: Bearer <token>'):",
            f"  {token}",
            "",
        ]
    )


def create_embedded_app(settings: Settings) -> Starlette:
    token = bootstrap_demo(settings)
    print(banner(settings, token), flush=True)
    return create_app(settings)
