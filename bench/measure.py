"""Run one piece of work in a child process and measure it: wall time and the child's own peak RSS.

The child is reaped with `os.wait4`, which returns the resource usage of that child alone (on Linux `ru_maxrss`
is in KiB: the largest resident set of the child or of any descendant it waited for). Its output is streamed,
line by line with a prefix, so a long stage shows progress. The CPU the rest of the machine used meanwhile is
recorded too (from /proc/stat), because on a shared machine that is where most of the noise comes from.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def _busy_cpu_s() -> float | None:
    """CPU seconds all processes of the machine have used (Linux /proc/stat: every state but idle and iowait)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    command: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: float
    user_s: float
    system_s: float
    others_cores: float | None  # CPU used meanwhile by every other process, in cores: > 0.2 means a noisy run
    tail: list[str] = field(default_factory=list)  # the last lines of output (for error messages)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_measured(command: list[str], *, env: dict[str, str], cwd: str, prefix: str,
                 show: Callable[[str], bool] = lambda _: True, keep: int = 60) -> Measured:
    """Run `command`, print the lines `show` accepts with `prefix`, and measure it (see the module docstring)."""
    busy_before = _busy_cpu_s()
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1, errors="replace")
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        tail.append(line)
        del tail[:-keep]
        if show(line):
            print(f"{prefix}{line}", flush=True)
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen not to wait again
    busy_after = _busy_cpu_s()
    others = None
    if busy_before is not None and busy_after is not None:
        others = max(0.0, busy_after - busy_before - usage.ru_utime - usage.ru_stime) / max(wall, 1e-9)
    rss_kib = usage.ru_maxrss if sys.platform.startswith("linux") else usage.ru_maxrss / 1024  # macOS: bytes
    return Measured(command, proc.returncode, wall, rss_kib / 1024, usage.ru_utime, usage.ru_stime, others, tail)
