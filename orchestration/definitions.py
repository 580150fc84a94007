"""The fieldledger code location: landing → dbt (raw → staging → marts) → publish, one writer at a time."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets import (
    FieldledgerResource,
    build_dbt_assets,
    build_exports_asset,
    build_publish_asset,
    landed_delivery,
)
from orchestration.dbt import dbt_project
from orchestration.landing import discover
from orchestration.runs import release_dead_runs
from orchestration.settings import load_settings

JOB_NAME = "fieldledger_job"
INVOICE_RUN_JOB_NAME = "invoice_run_as_of_date"


def delivery_fingerprint(raw_dir) -> str:
    """Changes when a file of the delivery is added, removed or rewritten."""
    files, _ = discover(raw_dir)
    digest = hashlib.sha256()
    for f in files:
        stat = f.path.stat()
        digest.update(f"{f.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _instance_of(context: dg.SensorEvaluationContext) -> dg.DagsterInstance | None:
    try:
        return context.instance
    except dg.DagsterInvariantViolationError:  # a sensor context built without an instance (tests)
        return None


def build_definitions() -> dg.Definitions:
    dbt_models = build_dbt_assets()
    job = dg.define_asset_job(JOB_NAME, selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
                              description="Land the delivery, build every model with its checks, publish.")

    invoice_run = dg.define_asset_job(
        INVOICE_RUN_JOB_NAME, selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
        description="The whole pipeline with invoice runs, revenue recognition and aging stopped at as_of_date (R20).",
        config=dg.ConfigMapping(
            config_schema={"as_of_date": dg.Field(str, description="YYYY-MM-DD: last possible run date")},
            config_fn=lambda c: {"ops": {"fieldledger_dbt": {"config": {"as_of_date": c["as_of_date"]}}}},
        ),
    )

    @dg.sensor(job=job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts a run when a file of FIELDLEDGER_RAW_DIR is added or changed.")
    def new_delivery_sensor(context: dg.SensorEvaluationContext):
        instance = _instance_of(context)
        for message in release_dead_runs(instance) if instance is not None else []:
            context.log.warning(message)  # a killed run's writer slot would block this run (and every later one)
        raw_dir = load_settings().raw_dir
        if not raw_dir.is_dir():
            return dg.SkipReason(f"{raw_dir} does not exist")
        fingerprint = delivery_fingerprint(raw_dir)
        if fingerprint == context.cursor:
            return dg.SkipReason("no new delivery")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=fingerprint)

    daily = dg.ScheduleDefinition(name="daily_run", job=job, cron_schedule="0 6 * * *", execution_timezone="UTC",
                                  description="Every day at 06:00 UTC (turn it on in the UI).")
    project = dbt_project()
    published = build_publish_asset(dbt_models)
    return dg.Definitions(
        assets=[landed_delivery, dbt_models, published, build_exports_asset(published)],
        jobs=[job, invoice_run],
        schedules=[daily],
        sensors=[new_delivery_sensor],
        resources={
            "dbt": DbtCliResource(project_dir=project, profiles_dir=str(project.profiles_dir),
                                  dbt_executable=str(Path(sys.executable).parent / "dbt")),  # the venv's dbt
            "fieldledger": FieldledgerResource(),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    return build_definitions()
