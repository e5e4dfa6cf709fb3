"""`mailtrail sandbox` / `python -m sandbox`: run the Gmail emulator on its own."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from sandbox.emulator import Emulator
from sandbox.push import PushConfig


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailtrail sandbox", description="A local Gmail API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--mailbox", action="append", default=[], help="a mailbox address (repeatable)")
    parser.add_argument("--token", help="an access token the emulator accepts for those mailboxes")
    parser.add_argument("--push-endpoint", help="where to POST Pub/Sub push notifications")
    parser.add_argument("--push-audience", help="the `aud` of push JWTs (default: the endpoint)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    emulator = Emulator(
        host=args.host,
        port=args.port,
        mailboxes=args.mailbox,
        push=PushConfig(endpoint=args.push_endpoint, audience=args.push_audience),
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
