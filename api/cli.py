"""The `mailtrail` command: serve, migrate, tokens, keys, worker, scheduler, liveness, sandbox."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from domain.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
if not (ROOT / "alembic.ini").exists():  # installed as a package (the Docker image): run from /app
    ROOT = Path.cwd()


def migrate() -> None:
    """Bring the configured database to the newest schema (idempotent)."""
    from alembic import command
    from alembic.config import Config

    settings = get_settings()
    if settings.is_sqlite:
        db_path = settings.database_url.partition(":///")[2]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    command.upgrade(config, "head")


def create_token(org: str, name: str) -> str:
    from domain.tokens import ensure_organization, issue_token
    from workers.db import session_scope

    with session_scope() as session:
        organization = ensure_organization(session, org)
        return issue_token(session, organization.id, name=name)


def tune_gc() -> None:
    """Keep the collector's pauses off the live path.

    A process holding a thousand open subscriptions has a large, stable heap; with CPython's
    default thresholds its frequent full collections stall every WebSocket for hundreds of
    milliseconds (bench/subscription_latency.py: p99 310 ms before, 21 ms after). Objects that
    live for the whole process (modules, the schema) are frozen out of collection, and young
    collections run less often.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)


SHUTDOWN_GRACE_SECONDS = 10
"""On SIGTERM: stop accepting, close WebSockets with 1012 (service restart: clients reconnect and
resubscribe with their cursor), let requests in flight finish for up to this long."""


def serve(host: str | None, port: int | None) -> None:
    import uvicorn

    from api.observability import wrap

    settings = get_settings()
    if settings.embedded:
        from api.embedded import create_embedded_app

        app = create_embedded_app(settings)
    else:
        from api.app import create_app

        app = create_app(settings)
    served = wrap(app, settings)
    tune_gc()
    uvicorn.run(
        served,
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,
        log_level=settings.log_level.lower(),
        log_config=None,  # our handlers (text or JSON) format uvicorn's lines too
        proxy_headers=False,
        ws_max_size=settings.ws_max_message_bytes,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )


def generate_key() -> str:
    """A new Fernet key for MAILTRAIL_CREDENTIALS_KEYS."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def liveness(role: str, max_age: float) -> int:
    """0 when the role's heartbeat file is fresher than `max_age` seconds (the container health check)."""
    import time

    from workers.observability import heartbeat_path

    path = heartbeat_path(role)
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        print(f"no heartbeat at {path}", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"heartbeat {age:.0f}s old (limit {max_age:.0f}s)", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox"]:
        # The emulator owns its own options; it imports nothing from the service.
        from sandbox.cli import main as sandbox_main

        return int(sandbox_main(argv[1:]))
    parser = argparse.ArgumentParser(prog="mailtrail", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the API server (embedded parts if MAILTRAIL_EMBEDDED=1)")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    commands.add_parser("migrate", help="apply database migrations")
    tokens = commands.add_parser("tokens", help="manage API tokens").add_subparsers(dest="action", required=True)
    create = tokens.add_parser("create", help="create a token (and the organization if needed)")
    create.add_argument("--org", required=True, help="organization name")
    create.add_argument("--name", default="", help="a label for the token")
    keys = commands.add_parser("keys", help="credentials keys").add_subparsers(dest="action", required=True)
    keys.add_parser("generate", help="print a new Fernet key for MAILTRAIL_CREDENTIALS_KEYS")
    commands.add_parser("worker", help="run Dramatiq workers for the configured broker")
    commands.add_parser("scheduler", help="move due drafts to PENDING and run periodic jobs")
    commands.add_parser("sandbox", help="run the Gmail API emulator (see `mailtrail sandbox --help`)")
    alive = commands.add_parser("liveness", help="exit 0 if the worker's or scheduler's heartbeat is fresh")
    alive.add_argument("role", choices=["worker", "scheduler"])
    alive.add_argument("--max-age", type=float, default=60.0, help="seconds (default 60)")

    args, extra = parser.parse_known_args(argv)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "keys":  # needs no configuration at all: it makes part of it
        print(generate_key())
        return 0
    if args.command == "liveness":
        return liveness(args.role, args.max_age)
    from workers.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)

    if args.command in ("serve", "worker", "scheduler"):
        from domain.settings import startup_warnings

        for warning in startup_warnings(settings):
            logging.getLogger("mailtrail").warning("\n%s\n  WARNING: %s\n%s", "!" * 78, warning, "!" * 78)
    if args.command == "migrate":
        migrate()
    elif args.command == "tokens":
        token = create_token(args.org, args.name)
        print(f"Created a token for organization {args.org!r}. It is shown once; store it now:")
        print(token)
    elif args.command == "serve":
        serve(args.host, args.port)
    elif args.command == "worker":
        from workers.cli import run_worker

        return run_worker()
    elif args.command == "scheduler":
        from workers.cli import run_scheduler

        return run_scheduler()
    return 0


if __name__ == "__main__":
    sys.exit(main())
