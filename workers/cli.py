"""Entry points for `mailtrail worker` and `mailtrail scheduler`."""

from __future__ import annotations


def run_worker() -> int:
    raise SystemExit("the worker arrives with the sending issue")


def run_scheduler() -> int:
    raise SystemExit("the scheduler arrives with the sending issue")
