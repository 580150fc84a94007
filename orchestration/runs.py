"""Runs and the one-writer pool (`duckdb_writer`, limit 1 in .dagster/dagster.yaml) on this machine.

A run killed with `kill -9` (or a crashed machine) never reports its end: Dagster keeps it STARTED and keeps its
pool slot, so every later run would wait for that slot forever. Every run therefore records its process in its
tags (`fieldledger/process` = host, pid and the process's start time, so a reused pid is not mistaken for it).
Before a run starts, while it waits for the slot, and on every evaluation of the new-delivery sensor, the runs
of this machine whose process is gone are marked failed and their slots and pending claims freed — saying so.
Slots still held by runs that have ended (or were deleted) are freed too. The dbt process a killed run started
survives it and would hold the build file's lock: it is recorded too (`fieldledger/dbt_process`) and stopped.
A run waiting for the slot says which run holds it.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.dbt import WRITER_POOL

PROCESS_TAG = "fieldledger/process"  # "<host>:<pid>:<start time>" of the process that executes the run
CHILD_TAG = "fieldledger/dbt_process"  # the same, of the dbt process the run started (it outlives a killed run)
IN_PROGRESS = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
               dg.DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: str  # the process's start time in clock ticks after boot (Linux), "" where unknown

    def tag(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}"

    @staticmethod
    def parse(tag: str | None) -> Owner | None:
        try:
            host, pid, started = (tag or "").rsplit(":", 2)
            return Owner(host, int(pid), started)
        except ValueError:
            return None

    def alive(self) -> bool:
        """False when the process is gone (or a zombie, or its pid now belongs to another process)."""
        stat = Path(f"/proc/{self.pid}/stat")
        if Path("/proc/self/stat").exists():
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                return False
            return fields[0] not in ("Z", "X") and (not self.started or fields[19] == self.started)
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def this_process(pid: int | None = None) -> Owner:
    pid = os.getpid() if pid is None else pid
    try:
        started = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        started = ""
    return Owner(socket.gethostname(), pid, started)


def process_tags() -> dict[str, str]:
    return {PROCESS_TAG: this_process().tag()}


def tag_run_with_this_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """For runs started elsewhere (the daemon's run worker): record the process that executes the run."""
    tag = this_process().tag()
    if run.tags.get(PROCESS_TAG) != tag:
        instance.add_run_tags(run.run_id, {PROCESS_TAG: tag})


def record_dbt_process(instance: dg.DagsterInstance, run_id: str, pid: int) -> None:
    """The dbt process of a run is its child: killing the run leaves it running, holding the build file's lock."""
    instance.add_run_tags(run_id, {CHILD_TAG: this_process(pid).tag()})


def _stop_orphan(run: dg.DagsterRun, host: str) -> str:
    child = Owner.parse(run.tags.get(CHILD_TAG))
    if child is None or child.host != host or not child.alive():
        return ""
    try:
        os.kill(child.pid, signal.SIGKILL)  # as its run was; DuckDB recovers the build file from its WAL (I8)
    except ProcessLookupError:
        return ""
    deadline = time.monotonic() + 10
    while child.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    return f"; stopped its dbt process (pid {child.pid}), still running and holding the build file"


def release_dead_runs(instance: dg.DagsterInstance, *, by: str = "") -> list[str]:
    """Mark failed the in-progress runs of this machine whose process is gone, free every pool slot and pending
    claim they hold, and free slots of runs that have ended. Returns one sentence per run freed."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    host, freed = socket.gethostname(), []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
        owner = Owner.parse(run.tags.get(PROCESS_TAG))
        if owner is None or owner.host != host or owner.alive() or run.run_id == by:
            continue
        held = _claims(instance, run.run_id)
        orphan = _stop_orphan(run, host)
        instance.report_run_failed(run, message=(
            f"fieldledger: the process of this run (pid {owner.pid} on {host}) is gone (killed or crashed): marked "
            f"failed and its pool slots freed" + (f" by run {by}" if by else "")))
        storage.free_concurrency_slots_for_run(run.run_id)
        freed.append(f"fieldledger: run {run.run_id} ({run.job_name}, pid {owner.pid}) is no longer running — its "
                     f"process is gone (killed?); marked it failed and freed its {_describe(held)}{orphan}")
    for run_id in sorted(storage.get_concurrency_run_ids()):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            held = _claims(instance, run_id)
            storage.free_concurrency_slots_for_run(run_id)
            state = "no longer exists" if run is None else f"ended ({run.status.value.lower()})"
            freed.append(f"fieldledger: run {run_id} {state} but still held its {_describe(held)}; freed")
    return freed


def _claims(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str, bool]]:
    """(pool, step, holds the slot) of every claim of the run."""
    storage, out = instance.event_log_storage, []
    for pool in sorted(storage.get_concurrency_keys()):
        info = storage.get_concurrency_info(pool)
        out += [(pool, s.step_key, True) for s in info.claimed_slots if s.run_id == run_id]
        out += [(pool, p.step_key, False) for p in info.pending_steps
                if p.run_id == run_id and p.assigned_timestamp is None]
    return out


def _describe(claims: list[tuple[str, str, bool]]) -> str:
    if not claims:
        return "run slot (it held no pool slot)"
    return ", ".join(f"{pool} {'slot' if holds else 'place in the queue'} (step {step})"
                     for pool, step, holds in claims)


def holders(instance: dg.DagsterInstance, pool: str, run_id: str) -> list[str]:
    """Who holds the pool's slots, other than run_id: one description per slot."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    out = []
    for slot in info.claimed_slots:
        if slot.run_id == run_id:
            continue
        record = instance.get_run_record_by_id(slot.run_id)
        owner = Owner.parse(record.dagster_run.tags.get(PROCESS_TAG)) if record else None
        where = f"pid {owner.pid} on {owner.host}" if owner else "process unknown"
        started = f", started {time.strftime('%H:%M:%S', time.localtime(record.start_time))}" if (
            record and record.start_time) else ""
        out.append(f"run {slot.run_id} (step {slot.step_key}, {where}{started})")
    return out


class WriterWatch(threading.Thread):
    """While the run `run_id` executes: when one of its steps waits for the writer slot, free the slots of dead
    runs, and say which run holds the slot (again when the holder changes, and every `repeat` seconds)."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, say: Callable[[str], None], *,
                 pool: str = WRITER_POOL, interval: float = 1.0, repeat: float = 60.0):
        super().__init__(name="fieldledger-writer-watch", daemon=True)
        self.ref, self.run_id, self.say, self.pool = instance.get_ref(), run_id, say, pool
        self.interval, self.repeat = interval, repeat
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=10)

    def run(self) -> None:
        instance = dg.DagsterInstance.from_ref(self.ref)  # its own storage connections, not the run's
        last: tuple[tuple[str, ...], float] | None = None
        while not self._done.wait(self.interval):
            try:
                info = instance.event_log_storage.get_concurrency_info(self.pool)
                if not any(p.run_id == self.run_id and p.assigned_timestamp is None for p in info.pending_steps):
                    last = None
                    continue
                for message in release_dead_runs(instance, by=self.run_id):
                    self.say(message)
                held_by = tuple(holders(instance, self.pool, self.run_id))
                if held_by and (last is None or last[0] != held_by or time.monotonic() - last[1] > self.repeat):
                    self.say(f"fieldledger: waiting for the {self.pool} slot (one writer of the DuckDB files at a "
                             f"time), held by " + "; ".join(held_by))
                    last = (held_by, time.monotonic())
            except Exception as exc:  # the watch must never break the run it watches
                self.say(f"fieldledger: could not check the {self.pool} slot: {exc}")
                last = None
