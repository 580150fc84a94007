"""The benchmark builds every model: each model folder belongs to a stage of bench/stages.py (a folder left out
makes `make bench` build nothing of it and fail on the models that read it, as `intermediate/validated` once did)."""

from bench.stages import DBT_STAGES, plan
from orchestration.settings import DBT_PROJECT_DIR


def test_every_model_is_in_a_bench_stage():
    the_plan = plan(DBT_PROJECT_DIR / "target" / "manifest.json", list(DBT_STAGES))
    assert the_plan.unassigned == [], f"add their folders to DBT_STAGES in bench/stages.py: {the_plan.unassigned}"
    built = {u for s in the_plan.stages.values() for u in s.models}
    assert len(built) > 150 and built == set(the_plan.nodes)


def test_the_staging_headline_counts_every_delivered_row_once(demo_build):
    # the bench's "accepted / rejected" once counted only the base tables that still decide an outcome (1.17k of 2.96M)
    from bench.report import headline_counts

    counts = headline_counts(demo_build.build_db, "staging")["out"]
    (delivered, unparseable), = demo_build.query(
        "select sum(rows_delivered - rows_duplicate), sum(rows_unparseable) from staging.stg_landing__landed_files")
    (rejected,), = demo_build.query("select count(*) from marts.rpt_rejected_rows where stage = 'staging'")
    assert counts["rejected"] == rejected > 0
    assert counts["accepted"] + counts["rejected"] + unparseable == delivered
