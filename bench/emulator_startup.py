"""How fast the Gmail emulator starts: in process (the test fixture) and as `mailtrail sandbox`.

python -m bench.emulator_startup [--runs 20]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time

import httpx

from bench.harness import ROOT, free_port, percentiles, show


def in_process() -> float:
    from sandbox import Emulator

    started = time.perf_counter()
    with Emulator(mailboxes=["a@example.com"]) as running:
        httpx.get(running.base_url + "/oauth2/v1/certs").raise_for_status()
        return (time.perf_counter() - started) * 1000


def command_line() -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "sandbox", "--port", str(port), "--mailbox", "a@example.com"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{port}/oauth2/v1/certs", timeout=1).raise_for_status()
                return (time.perf_counter() - started) * 1000
            time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    show("in process, start to first answer", percentiles([in_process() for _ in range(args.runs)]))
    show("mailtrail sandbox, spawn to first answer", percentiles([command_line() for _ in range(args.runs // 4 or 1)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
