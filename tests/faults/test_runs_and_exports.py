"""Issue 16, items 4, 5, 6 and 8 — killed runs, exports sent twice, messages that hide the cause, export paths in SQL.

One Dagster instance (a temporary DAGSTER_HOME with the project's dagster.yaml: pool duckdb_writer, limit 1) and
one warehouse, through the real command line (`python -m orchestration run`), as a user lives it:

  run A    the demo without its last two weeks; killed with `kill -9` in the middle of dbt, holding the writer slot
  run W    started while A runs: says it waits for the slot and which run holds it; killed while waiting
  sensor   the new-delivery sensor frees W's place in the queue (A still runs)
  run B    the same delivery, its export folder path running through a file: frees A's slot at start (and stops
           A's orphaned dbt), publishes the warehouse, cannot write the export — and says exactly that
  crash    the export into `O'Brien exports/`, ended by os._exit right after its folder became visible
  run C    the last two weeks arrive: completes the crashed batch and exports only the new lines
  drift    a file without a required column: the cause, naming file and column, and "nothing was published"
"""

from __future__ import annotations

import csv
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build_definitions
from orchestration.exports import CRASH_HOOK, export_batches, exported_batches, pending_batches
from orchestration.runs import CHILD_TAG, Owner
from orchestration.settings import REPO_ROOT

DEMO = REPO_ROOT / "seeds" / "demo"
SECOND_DELIVERY_FROM = "2026-04-17"  # daily files of this day and later arrive with run C
RUN_TIMEOUT = 600  # s: a run that waits for a slot nobody will free would hang for ever; this one must not


class Process:
    """`python -m orchestration run` in its own process, its output (stdout and stderr) read as it comes."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "orchestration", "run"], cwd=REPO_ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, predicate, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            if predicate(line):
                return line
        raise AssertionError(f"not seen within {timeout} s; output ends:\n{self.output[-4000:]}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def finish(self, timeout: float = RUN_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"the run did not finish within {timeout} s (it hangs); output ends:\n"
                                 f"{self.output[-4000:]}") from None

    @property
    def output(self) -> str:
        return "".join(self.lines)


@dataclass
class Story:
    root: Path
    home: Path
    delivery: Path
    held_back: Path
    warehouse: Path
    build_db: Path
    bad_export_dir: Path
    export_dir: Path
    runs: dict[str, str] = field(default_factory=dict)  # name → Dagster run id
    outputs: dict[str, str] = field(default_factory=dict)
    returncodes: dict[str, int] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "DAGSTER_HOME": str(self.home), "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1",
                "FIELDLEDGER_RAW_DIR": str(self.delivery), "FIELDLEDGER_WAREHOUSE": str(self.warehouse),
                **extra}

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))


def run_id_of(output: str) -> str:
    """The run id the command line prints first."""
    for line in output.splitlines():
        if line.startswith("fieldledger: run ") and "(Dagster instance " in line:
            return line.split()[2]
    raise AssertionError(f"no run id in:\n{output[-3000:]}")


def copy_delivery(target: Path, held_back: Path) -> None:
    """The demo, its daily files from SECOND_DELIVERY_FROM on set aside for the second delivery."""
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("_generator"))
    for path in sorted(target.glob("*/*.csv")):
        if path.stem >= SECOND_DELIVERY_FROM:
            (held_back / path.parent.name).mkdir(parents=True, exist_ok=True)
            path.rename(held_back / path.parent.name / path.name)


def is_dbt_node_line(line: str) -> bool:
    words = line.split()
    return len(words) > 3 and words[0].isdigit() and words[1] == "of" and words[3] == "START"


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    root = tmp_path_factory.mktemp("faults")
    (root / "home").mkdir()
    shutil.copy(REPO_ROOT / ".dagster" / "dagster.yaml", root / "home" / "dagster.yaml")
    (root / "a file").write_text("where the export folder should be\n")
    s = Story(root=root, home=root / "home", delivery=root / "delivery", held_back=root / "second delivery",
              warehouse=root / "warehouse" / "fieldledger.duckdb",
              build_db=root / "warehouse" / "fieldledger.build.duckdb",
              bad_export_dir=root / "a file" / "exports", export_dir=root / "O'Brien exports")
    copy_delivery(s.delivery, s.held_back)
    env = s.env(FIELDLEDGER_EXPORT_DIR=str(s.bad_export_dir))

    started: list[Process] = []

    def start(env: dict[str, str]) -> Process:
        started.append(Process(env))
        return started[-1]

    try:
        a = start(env)
        a.wait_for(is_dbt_node_line)  # run A is in dbt: it holds the writer slot
        waiting = start({**env, "FIELDLEDGER_WAREHOUSE": str(root / "w2" / "w.duckdb")})
        waiting.wait_for(lambda line: "waiting for the duckdb_writer slot" in line)
        waiting.kill9()  # killed in the queue
        with s.instance() as instance:  # the sensor of `make dev` frees its place (A still runs)
            build_definitions().resolve_sensor_def("new_delivery_sensor")(dg.build_sensor_context(instance=instance))
        a.kill9()  # killed in the middle of dbt; its dbt process goes on, orphaned
        s.runs["A"], s.runs["W"] = run_id_of(a.output), run_id_of(waiting.output)
        s.outputs["A"], s.outputs["W"] = a.output, waiting.output
        with s.instance() as instance:
            s.outputs["A_tags"] = json.dumps(dict(instance.get_run_by_id(s.runs["A"]).tags))
            s.outputs["A_status_before_B"] = instance.get_run_by_id(s.runs["A"]).status.value

        b = start(env)
        s.returncodes["B"] = b.finish()
        s.outputs["B"], s.runs["B"] = b.output, run_id_of(b.output)
        shutil.copy(s.build_db, root / "after B.duckdb")  # every line still unexported, for the path tests
        if s.warehouse.exists():
            with duckdb.connect(str(s.warehouse), read_only=True) as con:
                s.outputs["published by B"] = con.execute("select run_info from meta.publication").fetchone()[0]

        crash = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; from orchestration.exports import "
                                   "export_batches; export_batches(Path(sys.argv[1]), Path(sys.argv[2])); print('done')",
             str(s.build_db), str(s.export_dir)],
            cwd=REPO_ROOT, env={**os.environ, CRASH_HOOK: "export_after_rename"}, capture_output=True, text=True,
            timeout=300)
        s.returncodes["crash"], s.outputs["crash"] = crash.returncode, crash.stdout + crash.stderr
        s.outputs["after crash"] = json.dumps({"pending": pending_batches(s.build_db),
                                               "written": exported_batches(s.build_db),
                                               "folders": sorted(p.name for p in s.export_dir.iterdir()),
                                               "mtimes": {str(p): p.stat().st_mtime_ns
                                                          for p in s.export_dir.glob("*/*")}})

        for path in s.held_back.glob("*/*.csv"):  # the second delivery arrives
            shutil.copy(path, s.delivery / path.parent.name / path.name)
        c = start(s.env(FIELDLEDGER_EXPORT_DIR=str(s.export_dir)))
        s.returncodes["C"] = c.finish()
        s.outputs["C"], s.runs["C"] = c.output, run_id_of(c.output)
        if os.environ.get("FAULTS_DUMP"):  # to read what a user saw: FAULTS_DUMP=<folder>
            for name, text in s.outputs.items():
                Path(os.environ["FAULTS_DUMP"], name.replace(" ", "_") + ".txt").write_text(text)
        yield s
    finally:
        for run in started:  # a failed step above must not leave a run behind
            if run.proc.poll() is None:
                run.kill9()
        tags = json.loads(s.outputs.get("A_tags", "{}"))
        child = Owner.parse(tags.get(CHILD_TAG))  # nor A's dbt
        if child and child.alive():
            os.kill(child.pid, signal.SIGKILL)


# ------------------------------------------------------------------------------------------- 4. killed runs

def test_a_run_waiting_for_the_writer_says_which_run_holds_it(story):
    (line,) = [ln for ln in story.outputs["W"].splitlines() if "waiting for the duckdb_writer slot" in ln]
    pid = Owner.parse(json.loads(story.outputs["A_tags"])["fieldledger/process"]).pid
    assert f"held by run {story.runs['A']} (step fieldledger_dbt, pid {pid} on " in line


def test_after_kill_9_the_next_run_frees_the_slot_and_publishes(story):
    a = story.outputs["A"]
    assert any(map(is_dbt_node_line, a.splitlines())) and "Finished running" not in a, "A was killed within dbt"
    out = story.outputs["B"]
    freed = [ln for ln in out.splitlines() if ln.startswith(f"fieldledger: run {story.runs['A']} ")]
    assert len(freed) == 1, out[-3000:]
    assert "process is gone" in freed[0] and "freed its duckdb_writer slot (step fieldledger_dbt)" in freed[0]
    # A's dbt outlives A until it next writes to A's closed pipe (or for ever when it is quiet), holding the
    # build file: B stops it if it still runs; either way it is gone and B could land and build
    assert not Owner.parse(json.loads(story.outputs["A_tags"])[CHILD_TAG]).alive()
    assert "waiting for the duckdb_writer slot" not in out
    assert json.loads(story.outputs["published by B"])["dagster_run_id"] == story.runs["B"], "B published"
    with story.instance() as instance:
        statuses = {name: instance.get_run_by_id(run_id).status for name, run_id in story.runs.items()}
        assert statuses == {"A": dg.DagsterRunStatus.FAILURE, "W": dg.DagsterRunStatus.FAILURE,
                            "B": dg.DagsterRunStatus.FAILURE, "C": dg.DagsterRunStatus.SUCCESS}, statuses
        info = instance.event_log_storage.get_concurrency_info("duckdb_writer")
        assert info.claimed_slots == [] and info.pending_steps == [], info
        messages = [e.dagster_event.message for name in ("A", "W")
                    for e in instance.all_logs(story.runs[name], of_type=dg.DagsterEventType.RUN_FAILURE)]
    assert len(messages) == 2 and all("is gone (killed or crashed)" in m for m in messages), messages


def test_the_sensor_frees_the_place_of_a_run_killed_while_waiting(story):
    """Run W was killed in the queue; the sensor (before run B started) marked it failed, not run B."""
    assert f"fieldledger: run {story.runs['W']} " not in story.outputs["B"]
    assert story.outputs["A_status_before_B"] == "STARTED", "A was killed: only B can tell"
    with story.instance() as instance:
        assert instance.get_run_by_id(story.runs["W"]).status == dg.DagsterRunStatus.FAILURE


def test_the_run_after_everything_completes(story):
    assert story.returncodes["C"] == 0, story.outputs["C"][-4000:]
    assert f"run {story.runs['C']} succeeded" in story.outputs["C"]


# ------------------------------------------------------------------------------------ 6. messages with the cause

def test_an_unwritable_export_folder_says_the_warehouse_was_published_and_the_export_was_not(story):
    assert story.returncodes["B"] == 1
    report = story.outputs["B"].split("fieldledger: the run FAILED", 1)[1]
    first = report.splitlines()[0]
    assert first.startswith(" in the Finance export: [Errno 20] Not a directory: ") and "a file" in first, report
    assert "warehouse:      PUBLISHED by this run" in report
    assert "Finance export: NOT written" in report
    assert "nothing was published" not in report
    assert "the warehouse was published; the Finance export was not written" in report


def test_schema_drift_names_file_and_column_first_and_says_nothing_was_published(story, tmp_path):
    delivery = tmp_path / "delivery"
    shutil.copytree(DEMO, delivery)
    path = delivery / "msdyn_workorderservice" / "2026-02-02.csv"
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header.replace("msdyn_durationtobill", "duration_to_bill")] + rows) + "\n")
    env = {**story.env(), "FIELDLEDGER_RAW_DIR": str(delivery), "FIELDLEDGER_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "FIELDLEDGER_EXPORT_DIR": str(tmp_path / "exports")}
    run = Process(env)
    assert run.finish() == 1
    report = run.output.split("fieldledger: the run FAILED", 1)[1]
    cause = report.split("\n  (", 1)[0]  # the cause comes first, before the step and the tracebacks' pointer
    assert cause.startswith(" in landing the delivery: "), report
    assert "msdyn_workorderservice/2026-02-02.csv" in cause and "msdyn_durationtobill" in cause, report
    assert "warehouse:      NOT published" in report and "Finance export: NOT written" in report
    assert "nothing was published" in report
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "exports").exists()


# ------------------------------------------------------------------------------------------- 5. exactly once

def batch_ids(folder: Path) -> dict[str, list[str]]:
    """Every line id of every batch folder: export file name → ids, over all batches."""
    ids: dict[str, list[str]] = {"IntegrationLineId": [], "InvoiceId": []}
    for batch in sorted(folder.glob("batch_*")):
        for name, key in (("integration_journal_lines.csv", "IntegrationLineId"), ("customer_invoices.csv", "InvoiceId")):
            with open(batch / name, newline="") as fh:
                ids[key] += [row[key] for row in csv.DictReader(fh)]
    return ids


def test_a_crash_after_the_folder_is_visible_leaves_the_batch_recorded_as_pending(story):
    assert story.returncodes["crash"] == 137 and "done" not in story.outputs["crash"], story.outputs["crash"]
    after = json.loads(story.outputs["after crash"])
    assert after["written"] == [] and len(after["pending"]) == 1
    ((_, batch_id, _, _),) = after["pending"]
    assert after["folders"] == [f"batch_{batch_id}"]


def test_no_line_is_sent_twice_and_the_new_delivery_goes_in_a_new_batch(story):
    after = json.loads(story.outputs["after crash"])
    ((_, crashed, _, crashed_counts),) = after["pending"]
    batches = exported_batches(story.build_db)
    assert [b[1] for b in batches][0] == crashed and len(batches) == 2, batches
    assert pending_batches(story.build_db) == []
    assert {str(p): p.stat().st_mtime_ns for p in (story.export_dir / f"batch_{crashed}").iterdir()} == \
        after["mtimes"], "the crashed batch's files were not written again"
    assert json.loads(batches[0][3]) == json.loads(crashed_counts)
    new = json.loads(batches[1][3])
    assert new["integration_journal_lines"] > 0, "the second delivery made new lines, in the new batch"
    ids = batch_ids(story.export_dir)
    for key, values in ids.items():
        assert len(values) == len(set(values)), f"a {key} is in two batches"
    with duckdb.connect(str(story.warehouse), read_only=True) as con:
        lines = {r[0] for r in con.execute("select integration_line_id from marts.fct_integration_journal_lines"
                                           ).fetchall()}
        invoices = {r[0] for r in con.execute("select invoice_id from marts.fct_customer_invoices").fetchall()}
    assert set(ids["IntegrationLineId"]) == lines and set(ids["InvoiceId"]) == invoices, "every line once, none lost"
    assert sorted(p.name for p in story.export_dir.iterdir()) == sorted(f"batch_{b[1]}" for b in batches)
    assert "left pending by an earlier run" in story.outputs["C"]


def test_a_batch_that_crashed_before_its_folder_appeared_is_written_again_exactly(story, tmp_path):
    build, out = tmp_path / "build.duckdb", tmp_path / "exports"
    shutil.copy(story.root / "after B.duckdb", build)
    crash = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from orchestration.exports import "
                               "export_batches; export_batches(Path(sys.argv[1]), Path(sys.argv[2]))", str(build), str(out)],
        cwd=REPO_ROOT, env={**os.environ, CRASH_HOOK: "export_before_rename"}, capture_output=True, text=True,
        timeout=300)
    assert crash.returncode == 137, crash.stderr
    ((_, batch_id, _, counts),) = pending_batches(build)
    assert [p.name for p in out.iterdir()] == [f".incoming_batch_{batch_id}"]  # nothing visible to Finance
    (again,) = export_batches(build, out)
    assert (again.batch_id, again.written, again.recovered, again.rows) == (batch_id, True, True, json.loads(counts))
    assert sorted(p.name for p in out.iterdir()) == [f"batch_{batch_id}"]
    assert export_batches(build, out) == [] and pending_batches(build) == []
    ids = batch_ids(out)
    with duckdb.connect(str(build), read_only=True) as con:
        assert sorted(ids["IntegrationLineId"]) == [r[0] for r in con.execute(
            "select row_id from exports.batch_rows where export_name = 'integration_journal_lines' order by 1"
        ).fetchall()]


# ---------------------------------------------------------------------------------------- 8. paths are not SQL

@pytest.mark.parametrize("name", ["O'Brien exports", "x'; drop table exports.batch_rows; --"])
def test_exports_to_a_folder_whose_name_is_sql(story, tmp_path, name):
    build = tmp_path / "build.duckdb"
    shutil.copy(story.root / "after B.duckdb", build)
    folder = tmp_path / name / "exports"
    (batch,) = export_batches(build, folder)
    assert batch.folder.parent == folder and batch.written
    manifest = json.loads((batch.folder / "manifest.json").read_text())
    assert sorted(f["name"] for f in manifest["files"]) == ["customer_invoices.csv", "customer_invoices.parquet",
                                                            "integration_journal_lines.csv",
                                                            "integration_journal_lines.parquet"]
    with duckdb.connect(str(build), read_only=True) as con:
        recorded = con.execute("select count(*) from exports.batch_rows").fetchone()[0]  # not dropped
        parquet = con.execute("select count(*) from read_parquet(?)",
                              [str(batch.folder / "integration_journal_lines.parquet")]).fetchone()[0]
    assert recorded == sum(batch.rows.values()) and parquet == batch.rows["integration_journal_lines"] > 0


def test_the_published_file_names_no_path_of_this_machine(story):
    with duckdb.connect(str(story.warehouse), read_only=True) as con:
        build_file, info = con.execute("select build_file, run_info from meta.publication").fetchone()
    assert build_file == "fieldledger.build.duckdb"
    assert str(story.root) not in info and json.loads(info)["delivery"] == "delivery"
    assert json.loads(info)["run_settings"]["finance_integration"] is True
