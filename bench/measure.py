"""Run one piece of work in a child process and measure it: wall time and the child's own peak RSS.

The child is reaped with `os.wait4`, which returns the resource usage of that child alone (on Linux `ru_maxrss`
is in KiB: the largest resident set of the child or of any descendant it waited for). A descendant nobody waits
for — the JVM pyspark starts for a Spark stage — is not in it, so the resident sets of the whole process tree are
also sampled (/proc, every 0.2 s) and the peak is the larger of the two. Its output is streamed,
line by line with a prefix, so a long stage shows progress. The CPU the rest of the machine used meanwhile is
recorded too (from /proc/stat), because on a shared machine that is where most of the noise comes from.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
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


def _tree_rss_kib(root: int) -> int:
    """Resident set of `root` and all its descendants now, in KiB (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # fields after the name: state, ppid, …
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024  # rss in pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.pid))


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
    sampler = _TreeSampler(proc.pid)
    sampler.start()
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
    sampler.done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen not to wait again
    busy_after = _busy_cpu_s()
    others = None
    if busy_before is not None and busy_after is not None:
        others = max(0.0, busy_after - busy_before - usage.ru_utime - usage.ru_stime) / max(wall, 1e-9)
    rss_kib = usage.ru_maxrss if sys.platform.startswith("linux") else usage.ru_maxrss / 1024  # macOS: bytes
    rss_kib = max(rss_kib, sampler.peak_kib)
    return Measured(command, proc.returncode, wall, rss_kib / 1024, usage.ru_utime, usage.ru_stime, others, tail)
