"""The bounce parser's speed peers, run in-process over messages already in memory.

- p5-sisimai (Debian: `apt-get install -y libsisimai-perl`) runs in one long-lived Perl process
  (bench/bounce_sisimai.pl) that times its own rounds; its start-up and file reading are not timed.
- flufl.bounce (PyPI, the dev extra: `pip install flufl.bounce`) runs in this process, parsing
  each message with the standard library as its API requires.

A peer that is not installed is reported with the command that installs it; the benchmark then
runs without it.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from pathlib import Path

HERE = Path(__file__).resolve().parent
INSTALL_SISIMAI = "apt-get install -y libsisimai-perl"
INSTALL_FLUFL = "pip install flufl.bounce   (or: make install, it is in the dev extra)"


@dataclass(frozen=True)
class Round:
    """One timed pass over a corpus."""

    cpu: float
    wall: float


class Sisimai:
    """A Perl process holding the messages, timing Sisimai->make over all of them on request."""

    def __init__(self, messages: Sequence[bytes]) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bounce-peers-")
        paths = []
        for index, raw in enumerate(messages):
            path = Path(self._dir.name) / f"{index:05d}.eml"
            path.write_bytes(raw)
            paths.append(str(path))
        listing = Path(self._dir.name) / "list.txt"
        listing.write_text("\n".join(paths) + "\n")
        self._process = subprocess.Popen(
            ["perl", str(HERE / "bounce_sisimai.pl"), str(listing)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if not ready.startswith("ready"):
            raise RuntimeError(f"sisimai driver did not start: {ready!r}")

    @staticmethod
    def available() -> bool:
        """Perl and Sisimai are installed."""
        if shutil.which("perl") is None:
            return False
        return subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True).returncode == 0

    def run(self) -> Round:
        """One timed pass (CPU and wall seconds, as the Perl process measured them)."""
        cpu, wall, _ = self._ask("run").split()
        return Round(float(cpu), float(wall))

    def answers(self) -> dict[int, list[tuple[str, str, str, str]]]:
        """What sisimai reads in each message: (recipient, reason, status, action) per fact."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write("dump\n")
        self._process.stdin.flush()
        found: dict[int, list[tuple[str, str, str, str]]] = {}
        for line in iter(self._process.stdout.readline, "end\n"):
            index, recipient, reason, status, action = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
            found.setdefault(int(index), []).append((recipient.lower(), reason, status, action))
        return found

    def _ask(self, command: str) -> str:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return self._process.stdout.readline()

    def close(self) -> None:
        """Stop the Perl process and remove the message files."""
        if self._process.poll() is None and self._process.stdin is not None:
            self._process.stdin.write("quit\n")
            self._process.stdin.close()
            self._process.wait(timeout=30)
        self._dir.cleanup()


def flufl_parser() -> Callable[[bytes], object] | None:
    """flufl.bounce's `all_failures` over a raw message, or None when it is not installed."""
    try:
        from flufl.bounce import all_failures
    except ImportError:
        return None

    def parse(raw: bytes) -> object:
        return all_failures(email.message_from_bytes(raw, policy=policy.compat32))

    return parse


def timed(parse: Callable[[bytes], object], messages: Sequence[bytes]) -> Round:
    """One pass of a Python parser over the messages, in this process's CPU time."""
    cpu, wall = time.process_time(), time.perf_counter()
    for raw in messages:
        parse(raw)
    return Round(time.process_time() - cpu, time.perf_counter() - wall)
