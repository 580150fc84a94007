"""The Dagster code location: definitions load from the manifest without parsing dbt, the asset graph reads from
the extract to the GL and the exports, writers share one pool, and real materializations — the whole demo
delivery on a temporary warehouse, a re-run, a failing check, schema drift — do what a user relies on."""

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import expected_rejections
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from orchestration.assets import DELIVERY_TAG
from orchestration.dbt import KEEP_TARGET_FOLDERS, WRITER_POOL, dbt_project, prune_target_folders
from orchestration.definitions import INVOICE_RUN_JOB_NAME, JOB_NAME, build_definitions, delivery_fingerprint
from orchestration.settings import REPO_ROOT

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions()


def graph_snapshot(defs: dg.Definitions) -> str:
    graph = defs.resolve_asset_graph()
    lines = [f"asset {'/'.join(k.path)} group={graph.get(k).group_name}" for k in sorted(
        graph.get_all_asset_keys(), key=lambda k: k.to_user_string())]
    lines += [f"check {c.asset_key.to_user_string()}:{c.name}" for c in sorted(
        graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name))]
    lines += [f"job {j.name}" for j in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name)
              if not j.name.startswith("__")]
    lines += [f"schedule {s.name} {s.cron_schedule}" for s in defs.schedules]
    lines += [f"sensor {s.name}" for s in defs.sensors]
    return "\n".join(lines) + "\n"


def test_the_asset_graph_jobs_and_schedules_are_as_pinned(defs):
    """Snapshot of the asset graph; after an intended change: UPDATE_SNAPSHOTS=1 make test, and review the diff."""
    current = graph_snapshot(defs)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text()


def test_the_lineage_runs_from_the_extract_to_the_gl_and_the_exports(defs):
    graph = defs.resolve_asset_graph()
    key = dg.AssetKey
    chain = [key(["raw", "msdyn_workorderproduct"]), key(["intermediate", "int_work_order_products_validated"]),
             key(["intermediate", "int_line_revisions_recorded"]), key(["intermediate", "int_material_usage_logs_recorded"]),
             key(["intermediate", "int_project_actuals_recorded"]), key(["intermediate", "int_invoice_line_details_recorded"]),
             key(["intermediate", "int_customer_invoice_lines_recorded"]), key(["intermediate", "int_gl_entries_recorded"]),
             key(["marts", "fct_gl_entries"]), key(["published", "warehouse"]), key(["exports", "finance_batch"])]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert upstream in graph.get(downstream).parent_keys or upstream in graph.get_ancestor_asset_keys(
            downstream), f"{upstream.to_user_string()} is not upstream of {downstream.to_user_string()}"


def test_every_writer_is_in_the_one_writer_pool(defs):
    pools = {node.name: node.pool for node in defs.resolve_job_def(JOB_NAME).graph.node_defs}
    assert pools == {name: WRITER_POOL for name in pools} and len(pools) == 4, pools


def test_error_level_dbt_tests_are_blocking_checks(defs):
    graph = defs.resolve_asset_graph()
    checks = {c.name: graph.get_check_spec(c) for c in graph.asset_check_keys}
    for name in ("assert_i3_actuals_sum_to_current_journal_amount", "assert_i6_every_voucher_balances",
                 "unique_fct_project_actuals_actual_id"):
        assert checks[name].blocking, name


def test_the_sensor_starts_a_run_for_a_new_delivery_once(defs, tmp_path, monkeypatch):
    delivery = tmp_path / "delivery"
    shutil.copytree(REPO_ROOT / "seeds" / "demo", delivery)
    monkeypatch.setenv("FIELDLEDGER_RAW_DIR", str(delivery))
    sensor = defs.resolve_sensor_def("new_delivery_sensor")
    first = sensor(dg.build_sensor_context())
    assert isinstance(first, dg.RunRequest) and first.run_key == delivery_fingerprint(delivery)
    assert isinstance(sensor(dg.build_sensor_context(cursor=first.run_key)), dg.SkipReason)
    (delivery / "msdyn_workorder" / "2026-05-01.csv").write_text((delivery / "msdyn_workorder" / "2026-01-02.csv").read_text())
    assert isinstance(sensor(dg.build_sensor_context(cursor=first.run_key)), dg.RunRequest)


def test_importing_the_code_location_does_not_parse_dbt():
    code = ("import time, subprocess; calls = []; real = subprocess.Popen.__init__\n"
            "def spy(self, *a, **k): calls.append(a); real(self, *a, **k)\n"
            "subprocess.Popen.__init__ = spy\n"
            "import orchestration.definitions\n"
            "print(sum('dbt' in repr(c) for c in calls))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert out.stdout.strip() == "0"  # no dbt process: the manifest comes from `make manifest`


# ------------------------------------------------------------------------------------ real materializations

def run_job(name: str = JOB_NAME, instance: dg.DagsterInstance | None = None, **run_config):
    job = build_definitions().resolve_job_def(name)
    return job.execute_in_process(instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                  run_config=run_config or None)


TARGET_DIR = dbt_project().project_dir / "target"
# left by runs of two days ago, more than the run keeps, so the oldest go whatever else target/ holds (a fresh
# clone has no other folder; a working copy may have many)
STALE = [f"fieldledger_dbt-test{os.getpid()}-{i}" for i in range(KEEP_TARGET_FOLDERS + 3)]


@pytest.fixture(scope="module")
def instance():
    """One instance for the module's runs, as `make run` and `make dev` share DAGSTER_HOME."""
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("e2e")
    env = {"FIELDLEDGER_RAW_DIR": str(REPO_ROOT / "seeds" / "demo"), "FIELDLEDGER_WAREHOUSE": str(root / "w.duckdb"),
           "FIELDLEDGER_EXPORT_DIR": str(root / "exports")}
    for name in STALE:
        (TARGET_DIR / name / "compiled").mkdir(parents=True, exist_ok=True)
        (TARGET_DIR / name / "dbt.log").write_text("an old run\n")
        for path in (TARGET_DIR / name / "dbt.log", TARGET_DIR / name / "compiled", TARGET_DIR / name):
            os.utime(path, (time.time() - 2 * 86400 - STALE.index(name) * 60,) * 2)  # the last is the oldest
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        result = run_job(instance=instance)
        yield root, result, mp


def marts(path: Path) -> dict[str, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
        return {n: con.execute(f'select * from marts."{n}" order by all').fetchall() for n in sorted(names)}


def test_a_full_materialization_of_the_demo_through_dagster(demo_run):
    root, result, _ = demo_run
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/msdyn_workorderproduct", "marts/fct_gl_entries", "published/warehouse", "exports/finance_batch"} <= materialized
    evaluations = result.get_asset_check_evaluations()  # every dbt test ran and is recorded as its check
    assert {e.asset_check_key for e in evaluations} == set(build_definitions().resolve_asset_graph().asset_check_keys)
    assert all(e.passed for e in evaluations)
    with duckdb.connect(str(root / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.rpt_pipeline_reconciliation where difference <> 0").fetchone() == (0,)
        got = {tuple(r) for r in con.execute(
            "select table_name, file_name, row_number, reason_code from marts.rpt_rejected_rows").fetchall()}
    want = {(r["table_name"], r["file_name"], int(r["row_number"]), r["reason_code"])
            for r in expected_rejections(REPO_ROOT / "seeds" / "demo")}
    assert got == want, "every bad row of the demo is rejected with the generator's reason, and nothing else"
    (batch,) = (root / "exports").glob("batch_*")
    manifest = json.loads((batch / "manifest.json").read_text())
    with open(batch / "customer_invoices.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == next(f["rows"] for f in manifest["files"]
                                                     if f["name"] == "customer_invoices.csv") > 0


def test_the_run_removes_old_dbt_target_folders_and_keeps_its_own_and_the_manifest(demo_run):
    _, result, _ = demo_run
    assert not any((TARGET_DIR / name).exists() for name in STALE[-3:])  # beyond the newest KEEP_TARGET_FOLDERS
    own = TARGET_DIR / f"fieldledger_dbt-{result.run_id[:7]}"
    assert [p for p in TARGET_DIR.glob(f"{own.name}-*") if (p / "run_results.json").exists()], "its own folder"
    assert (TARGET_DIR / "manifest.json").exists()


def test_pruning_keeps_the_newest_the_one_in_use_and_the_ones_still_written_to(tmp_path):
    now = time.time()
    ages = {"fieldledger_dbt-a": 10, "fieldledger_dbt-b": 20, "fieldledger_dbt-busy": 120,  # seconds
            **{f"fieldledger_dbt-old{i}": 86400 * (i + 1) for i in range(5)}}
    for name, age in ages.items():
        (tmp_path / name / "compiled").mkdir(parents=True)
        (tmp_path / name / "dbt.log").write_text("")
        for path in (tmp_path / name / "compiled", tmp_path / name / "dbt.log", tmp_path / name):
            os.utime(path, (now - (age if path.name != "compiled" or name != "fieldledger_dbt-busy" else 86400),) * 2)
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "lint").mkdir()
    os.utime(tmp_path / "lint", (now - 10 * 86400,) * 2)
    removed = prune_target_folders(tmp_path, "fieldledger_dbt", in_use=tmp_path / "fieldledger_dbt-old4", keep=2)
    # a and b are the newest two; busy wrote its log two minutes ago (a dbt of another process); old4 is in use
    assert sorted(p.name for p in removed) == [f"fieldledger_dbt-old{i}" for i in range(4)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fieldledger_dbt-a", "fieldledger_dbt-b", "fieldledger_dbt-busy", "fieldledger_dbt-old4", "lint",
        "manifest.json"]
    assert KEEP_TARGET_FOLDERS == 5


def test_the_sensor_does_not_rerun_a_delivery_a_successful_run_processed(demo_run, instance, defs):
    _, result, _ = demo_run
    fingerprint = delivery_fingerprint(REPO_ROOT / "seeds" / "demo")
    assert instance.get_run_by_id(result.run_id).tags[DELIVERY_TAG] == fingerprint  # landing tagged the run
    sensor = defs.resolve_sensor_def("new_delivery_sensor")
    context = dg.build_sensor_context(instance=instance)  # the first evaluation: no cursor (a first `make dev`)
    skipped = sensor(context)
    assert isinstance(skipped, dg.SkipReason) and result.run_id in skipped.skip_message, skipped
    assert context.cursor == fingerprint


def test_the_sensor_waits_for_a_run_of_the_delivery_still_running(instance, defs, tmp_path, monkeypatch):
    delivery = tmp_path / "running"
    shutil.copytree(REPO_ROOT / "seeds" / "demo", delivery)
    monkeypatch.setenv("FIELDLEDGER_RAW_DIR", str(delivery))
    fingerprint = delivery_fingerprint(delivery)
    job = defs.resolve_job_def(JOB_NAME)  # a `make run` of this delivery, under way
    running = instance.create_run_for_job(job, tags={DELIVERY_TAG: fingerprint}, status=dg.DagsterRunStatus.STARTED)
    sensor = defs.resolve_sensor_def("new_delivery_sensor")
    context = dg.build_sensor_context(instance=instance)
    waiting = sensor(context)
    assert isinstance(waiting, dg.SkipReason) and running.run_id in waiting.skip_message
    assert context.cursor is None  # decided again once that run has ended
    instance.report_run_failed(running)
    retry = sensor(context)
    assert isinstance(retry, dg.RunRequest) and retry.tags[DELIVERY_TAG] == fingerprint
    assert retry.run_key == f"{fingerprint}:after-{running.run_id}"
    assert isinstance(sensor(context), dg.SkipReason)  # requested once, not every minute


def test_i8_running_again_on_the_same_delivery_changes_nothing_and_exports_nothing(demo_run, instance):
    root, first, _ = demo_run
    before = marts(root / "w.duckdb")
    again = run_job(instance=instance)
    assert again.success
    assert marts(root / "w.duckdb") == {k: v for k, v in before.items()}
    assert len(list((root / "exports").glob("batch_*"))) == 1


def test_a_failing_error_level_check_stops_publishing_and_the_export(demo_run, instance, defs):
    root, _, _ = demo_run
    published = (root / "w.duckdb").stat().st_mtime_ns
    # a damaged ledger, as a hand edit of the build file would leave it: one GL leg recorded twice, so the ledger's
    # key check fails for real (no fault hook in the dbt project) and everything after the ledger is skipped
    with duckdb.connect(str(root / "w.build.duckdb")) as con:
        con.execute("insert into intermediate.int_gl_entries_recorded "
                    "select * from intermediate.int_gl_entries_recorded order by gl_entry_id limit 1")
    failed = run_job(instance=instance)
    assert not failed.success
    ran = {e.step_key for e in failed.all_events if e.is_step_success}
    assert "published__warehouse" not in ran and "exports__finance_batch" not in ran
    assert (root / "w.duckdb").stat().st_mtime_ns == published
    # the failing check is recorded failed; a check dbt skipped downstream of it is not evaluated by this run (its
    # last record is the earlier run's pass), never "Execution failed" / red: the run planned no check (D-G3)
    storage = instance.event_log_storage
    gl, trial_balance = dg.AssetKey(["marts", "fct_gl_entries"]), dg.AssetKey(["marts", "rpt_trial_balance"])
    failing = dg.AssetCheckKey(dg.AssetKey(["intermediate", "int_gl_entries_recorded"]),
                               "unique_int_gl_entries_recorded_gl_entry_id")
    (latest,) = storage.get_asset_check_execution_history(failing, limit=1)
    assert (latest.run_id, latest.status) == (failed.run_id, AssetCheckExecutionRecordStatus.FAILED)
    for skipped in (dg.AssetCheckKey(trial_balance, "assert_trial_balance_rolls_forward"),
                    dg.AssetCheckKey(gl, "assert_i6_every_voucher_balances")):
        history = storage.get_asset_check_execution_history(skipped, limit=10)
        assert history and failed.run_id not in {r.run_id for r in history}, skipped
        assert history[0].status == AssetCheckExecutionRecordStatus.SUCCEEDED, skipped
    checks = defs.resolve_asset_graph().asset_check_keys
    in_failed_run = {k: r for k, r in storage.get_latest_asset_check_execution_by_key(list(checks)).items()
                     if r.run_id == failed.run_id}
    assert AssetCheckExecutionRecordStatus.PLANNED not in {r.status for r in in_failed_run.values()}
    assert len(in_failed_run) > 200  # every test dbt ran is recorded
    # the last run of the delivery failed: a first `make dev` now runs it again (once: the cursor remembers it)
    fingerprint = delivery_fingerprint(REPO_ROOT / "seeds" / "demo")
    context = dg.build_sensor_context(instance=instance)
    retry = defs.resolve_sensor_def("new_delivery_sensor")(context)
    assert isinstance(retry, dg.RunRequest) and retry.run_key == f"{fingerprint}:after-{failed.run_id}"
    assert isinstance(defs.resolve_sensor_def("new_delivery_sensor")(context), dg.SkipReason)


def test_schema_drift_fails_the_run_naming_file_and_columns_and_publishes_nothing(tmp_path, monkeypatch):
    delivery = tmp_path / "delivery"
    shutil.copytree(REPO_ROOT / "seeds" / "demo", delivery)
    path = delivery / "msdyn_workorderservice" / "2026-02-02.csv"
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header.replace("msdyn_durationtobill", "duration_to_bill")] + rows) + "\n")
    monkeypatch.setenv("FIELDLEDGER_RAW_DIR", str(delivery))
    monkeypatch.setenv("FIELDLEDGER_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FIELDLEDGER_EXPORT_DIR", str(tmp_path / "exports"))
    result = run_job()
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "msdyn_workorderservice/2026-02-02.csv: missing required column(s) msdyn_durationtobill" in (
        failure.step_failure_data.error.cause.message if failure.step_failure_data.error.cause
        else failure.step_failure_data.error.message)
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "exports").exists()


def test_the_invoice_run_job_stops_invoice_runs_at_its_date(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDLEDGER_RAW_DIR", str(REPO_ROOT / "seeds" / "demo"))
    monkeypatch.setenv("FIELDLEDGER_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FIELDLEDGER_EXPORT_DIR", str(tmp_path / "exports"))
    result = run_job(INVOICE_RUN_JOB_NAME, as_of_date="2026-02-15")
    assert result.success
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select max(run_date) <= date '2026-02-15', count(*) > 0 from marts.fct_proforma_invoices"
                           ).fetchone() == (True, True)
