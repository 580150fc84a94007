"""The Dagster code location: definitions load from the manifest without parsing dbt, the asset graph reads from
the extract to the GL and the exports, writers share one pool, and real materializations — the whole demo
delivery on a temporary warehouse, a re-run, a failing check, schema drift — do what a user relies on."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import expected_rejections

from orchestration.dbt import WRITER_POOL
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
    chain = [key(["raw", "msdyn_workorderproduct"]), key(["staging", "base_field_service__work_order_products"]),
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

def run_job(name: str = JOB_NAME, **run_config):
    job = build_definitions().resolve_job_def(name)
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                  run_config=run_config or None)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    env = {"FIELDLEDGER_RAW_DIR": str(REPO_ROOT / "seeds" / "demo"), "FIELDLEDGER_WAREHOUSE": str(root / "w.duckdb"),
           "FIELDLEDGER_EXPORT_DIR": str(root / "exports")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        result = run_job()
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


def test_i8_running_again_on_the_same_delivery_changes_nothing_and_exports_nothing(demo_run):
    root, first, _ = demo_run
    before = marts(root / "w.duckdb")
    again = run_job()
    assert again.success
    assert marts(root / "w.duckdb") == {k: v for k, v in before.items()}
    assert len(list((root / "exports").glob("batch_*"))) == 1


def test_a_failing_error_level_check_stops_publishing_and_the_export(demo_run):
    root, _, mp = demo_run
    published = (root / "w.duckdb").stat().st_mtime_ns
    mp.setenv("FIELDLEDGER_INJECT_FAILURE", "check")
    try:
        failed = run_job()
    finally:
        mp.delenv("FIELDLEDGER_INJECT_FAILURE")
    assert not failed.success
    ran = {e.step_key for e in failed.all_events if e.is_step_success}
    assert "published__warehouse" not in ran and "exports__finance_batch" not in ran
    assert (root / "w.duckdb").stat().st_mtime_ns == published


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
