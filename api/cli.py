"""The `mailtrail` command: serve, migrate, tokens, orgs, keys, worker, scheduler, liveness, sandbox."""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys
import uuid
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


def create_token(org: str, name: str, scopes: list[str] | None = None, expires_in_days: float | None = None) -> str:
    from datetime import timedelta

    from domain.grants import parse_scopes
    from domain.records import utcnow
    from domain.tokens import ensure_organization, issue_token
    from workers.db import session_scope

    chosen = sorted(parse_scopes(scopes, "--scopes")) if scopes else None
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    with session_scope() as session:
        organization = ensure_organization(session, org)
        return issue_token(session, organization.id, name=name, scopes=chosen, expires_at=expires_at)


def database_problem() -> str | None:
    """Why the configured database cannot serve a command, in words a newcomer can act on (or None)."""
    settings = get_settings()
    if not settings.is_sqlite:
        return None
    path = settings.database_url.partition(":///")[2]
    if not path or path == ":memory:" or Path(path).exists():
        return None
    return (
        f"No Mailtrail database at {Path(path).resolve()}.\n"
        "Run this from the Mailtrail checkout (where `make run` keeps .mailtrail/), set MAILTRAIL_DATABASE_URL, "
        "or create the database with `mailtrail migrate` first."
    )


def run_tokens(args: argparse.Namespace) -> int:
    """`mailtrail tokens create|list|revoke`."""
    from domain.tokens import find_organization, list_tokens, revoke_token
    from workers.db import session_scope

    if args.action == "create":
        token = create_token(args.org, args.name, args.scopes.split(",") if args.scopes else None, args.expires_in_days)
        print(f"Created a token for organization {args.org!r}. It is shown once; store it now:")
        print(token)
        return 0
    with session_scope() as session:
        org = find_organization(session, args.org)
        if args.action == "revoke":
            row = revoke_token(session, org.id, uuid.UUID(args.id))
            print(f"Revoked token {row.id} ({row.name or 'unnamed'}, ...{row.hint}).")
            return 0
        print("id                                    name                 hint  scopes  created  last used  expires")
        for row in list_tokens(session, org.id):
            scopes = ",".join(row.scopes) if row.scopes is not None else "ALL"
            print(
                f"{row.id}  {row.name[:20]:20} {row.hint:5} {scopes}  {row.created_at:%Y-%m-%d %H:%M}  "
                f"{f'{row.last_used_at:%Y-%m-%d %H:%M}' if row.last_used_at else 'never'}  "
                f"{f'{row.expires_at:%Y-%m-%d %H:%M}' if row.expires_at else 'never'}"
            )
    return 0


def run_orgs(args: argparse.Namespace) -> int:
    """`mailtrail orgs rate-limit`: an organization's own per-token rate limit."""
    from domain.tokens import find_organization, set_rate_limit
    from workers.db import session_scope

    with session_scope() as session:
        org = find_organization(session, args.org)
        set_rate_limit(session, org.id, args.per_minute)
    print(f"{args.org!r}: {args.per_minute or 'the default number of'} requests per minute per token.")
    return 0


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


def serve(host: str | None, port: int | None, processes: int | None = None) -> int:
    """Run the API: in this process, or as `processes` processes sharing the port (api.processes)."""
    from api.processes import process_count_problem, supervise

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    count = settings.api_processes if processes is None else processes  # --processes 0 is refused, not ignored
    problem = process_count_problem(settings.model_copy(update={"port": port}), count)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    if count > 1:
        return supervise(count, host, port)
    serve_on(host, port)
    return 0


def serve_on(host: str, port: int, sock: socket.socket | None = None) -> None:
    """One API process on `host:port`, or on `sock` when it is one of several (api.processes)."""
    import uvicorn

    from api.observability import wrap
    from api.wsprotocol import websocket_options

    settings = get_settings()
    if settings.embedded:
        from api.embedded import create_embedded_app

        app = create_embedded_app(settings)
    else:
        from api.app import create_app

        app = create_app(settings)
    served = wrap(app, settings)
    tune_gc()
    config = uvicorn.Config(
        served,
        host=host,
        port=port,
        access_log=False,
        log_level=settings.log_level.lower(),
        log_config=None,  # our handlers (text or JSON) format uvicorn's lines too
        proxy_headers=False,
        **websocket_options(settings),
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock] if sock is not None else None)
    if not server.started:
        raise SystemExit(3)  # uvicorn.run's exit status when it could not start (the port taken, say)


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
    serve_cmd.add_argument(
        "--processes", type=int, help="API processes sharing the port (default MAILTRAIL_API_PROCESSES, 1)"
    )
    commands.add_parser("migrate", help="apply database migrations")
    tokens = commands.add_parser("tokens", help="manage API tokens").add_subparsers(dest="action", required=True)
    create = tokens.add_parser("create", help="create a token (and the organization if needed)")
    create.add_argument("--org", required=True, help="organization name")
    create.add_argument("--name", default="", help="a label for the token")
    create.add_argument("--scopes", help="comma-separated scopes (e.g. EMAILS_READ,EMAILS_SEND); default: all")
    create.add_argument("--expires-in-days", type=float, help="the token stops working after this many days")
    listing = tokens.add_parser("list", help="list an organization's working tokens (never the secrets)")
    listing.add_argument("--org", required=True, help="organization name")
    revoke = tokens.add_parser("revoke", help="revoke a token (open subscriptions end within token_cache_seconds)")
    revoke.add_argument("--org", required=True, help="organization name")
    revoke.add_argument("--id", required=True, help="the token's id, from `tokens list`")
    orgs = commands.add_parser("orgs", help="organization settings").add_subparsers(dest="action", required=True)
    limit = orgs.add_parser("rate-limit", help="requests per minute each token of the organization may make")
    limit.add_argument("--org", required=True, help="organization name")
    limit.add_argument("--per-minute", type=int, help="the figure; omit to use the setting rate_limit_per_minute")
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
    elif args.command in ("tokens", "orgs"):
        from sqlalchemy.exc import OperationalError

        from domain.errors import DomainError

        problem = database_problem()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
        try:
            return run_tokens(args) if args.command == "tokens" else run_orgs(args)
        except (DomainError, ValueError) as error:
            print(f"mailtrail {args.command}: {getattr(error, 'message', error)}", file=sys.stderr)
            return 2
        except OperationalError as error:
            print(
                f"mailtrail {args.command}: the database cannot be used ({error.orig}); "
                "is it migrated? Run `mailtrail migrate`.",
                file=sys.stderr,
            )
            return 2
    elif args.command == "serve":
        return serve(args.host, args.port, args.processes)
    elif args.command == "worker":
        from workers.cli import run_worker

        return run_worker()
    elif args.command == "scheduler":
        from workers.cli import run_scheduler

        return run_scheduler()
    return 0


if __name__ == "__main__":
    sys.exit(main())
