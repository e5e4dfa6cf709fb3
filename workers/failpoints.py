"""Crash points for the exactly-once tests: the process kills itself (SIGKILL) at a named step.

Off unless MAILTRAIL_FAILPOINTS is set, e.g. "before_gmail:0.1,after_gmail:0.2,before_commit:0.1"
(each step with its probability). Production never sets it; the crash tests do, to prove that a
worker dying at any step neither loses an email nor sends it twice.
"""

from __future__ import annotations

import os
import random
import signal


def _parse(spec: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, probability = item.partition(":")
        points[name] = float(probability or 1)
    return points


_POINTS = _parse(os.environ.get("MAILTRAIL_FAILPOINTS", ""))


def failpoint(name: str) -> None:
    """Die here, at once and without cleanup, with the configured probability."""
    probability = _POINTS.get(name)
    if probability and random.random() < probability:
        os.kill(os.getpid(), signal.SIGKILL)
