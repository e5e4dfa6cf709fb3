"""CPU time and resident memory of other processes, read from /proc (Linux).

The machine is shared, so the benchmarks compare CPU *time* spent by the processes that do the
work, never wall time against a fixed number. `/proc/<pid>/stat` counts a process's user and
system time (threads that already ended included) in clock ticks.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

TICK = 1.0 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK  # utime, stime: fields 14 and 15 of stat(5)


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (dramatiq's workers are children of its parent)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as file:
                    todo.extend(int(child) for child in file.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


ESTABLISHED, LISTEN = "01", "0A"
"""TCP states as /proc/net/tcp writes them (include/net/tcp_states.h)."""


def tcp_sockets(pid: int, port: int, state: str) -> int:
    """How many TCP sockets process `pid` holds on local `port` in `state` (proc(5): /proc/net/tcp)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):  # closed meanwhile
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    except OSError:  # the process is gone
        return 0
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as file:
            for line in file.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state and fields[9] in inodes:
                    count += 1
    return count


def listening(pid: int, port: int) -> list[int]:
    """The processes at or below `pid` that listen on `port` (the API processes of `serve --processes`)."""
    return sorted(p for p in descendants(pid) if tcp_sockets(p, port, LISTEN))


def rss_kb(pid: int) -> int:
    """Resident set size of `pid` in KiB."""
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class CpuMeter:
    """CPU seconds a set of processes spent between `start()` and `stop()`.

    Processes can join while it runs (a database backend opened mid-way counts whole).
    """

    def __init__(self) -> None:
        self.before: dict[int, float] = {}

    def start(self, pids: Iterable[int]) -> None:
        self.before = {pid: cpu_seconds(pid) for pid in pids}

    def stop(self, pids: Iterable[int]) -> float:
        """CPU seconds since `start()`; a process that ended meanwhile is left out (its time is lost)."""
        total = 0.0
        for pid in set(pids) | set(self.before):
            now = cpu_seconds(pid)
            if now or pid not in self.before:
                total += now - self.before.get(pid, 0.0)
        return total
