"""`mailtrail sandbox` / `python -m sandbox`: run the Gmail emulator on its own."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from sandbox.auth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from sandbox.emulator import Emulator
from sandbox.limits import Limits
from sandbox.push import PushConfig


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailtrail sandbox", description="A local Gmail API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--mailbox", action="append", default=[], help="a mailbox address (repeatable)")
    parser.add_argument("--token", help="an access token the emulator accepts for those mailboxes")
    parser.add_argument("--push-endpoint", help="where to POST Pub/Sub push notifications")
    parser.add_argument("--push-audience", help="the `aud` of push JWTs (default: the endpoint)")
    parser.add_argument("--client-id", default=SANDBOX_CLIENT_ID, help="the OAuth client the token endpoint accepts")
    parser.add_argument("--client-secret", default=SANDBOX_CLIENT_SECRET, help="that client's secret")
    parser.add_argument(
        "--batch-concurrency", type=int, default=Limits.batch_concurrency, help="batch parts served per user at once"
    )
    parser.add_argument("--search-lag-seconds", type=float, default=0.0, help="search indexing lag after a send")
    parser.add_argument("--history-id-base", type=int, default=0, help="history ids start above this (uint64)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        limits = Limits(
            batch_concurrency=args.batch_concurrency,
            search_lag_seconds=args.search_lag_seconds,
            history_id_base=args.history_id_base,
        )
    except ValueError as error:
        parser.error(str(error))
    emulator = Emulator(
        host=args.host,
        port=args.port,
        limits=limits,
        push=PushConfig(endpoint=args.push_endpoint, audience=args.push_audience),
        clients={args.client_id: args.client_secret},
    )
    for address in args.mailbox:
        emulator.issue_token(
            address,
            access_token=args.token if args.token else None,
            refresh_token=f"refresh-{args.token}-{address}" if args.token else None,
        )
    emulator.start()
    print(f"Gmail sandbox on {emulator.base_url} (mailboxes: {', '.join(args.mailbox) or 'none'})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    return 0
