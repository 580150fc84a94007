"""The fieldledger code location: landing → dbt (raw → staging → marts) → publish, one writer at a time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets import (
    DELIVERY_TAG,
    FieldledgerResource,
    build_dbt_assets,
    build_exports_asset,
    build_publish_asset,
    delivery_fingerprint,
    landed_delivery,
)
from orchestration.dbt import dbt_project
from orchestration.runs import IN_PROGRESS, release_dead_runs
from orchestration.settings import load_settings

JOB_NAME = "fieldledger_job"
INVOICE_RUN_JOB_NAME = "invoice_run_as_of_date"


PENDING = (*IN_PROGRESS, dg.DagsterRunStatus.QUEUED)  # a run the sensor must wait for
FINISHED_UNSUCCESSFULLY = (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def last_run_of(instance: dg.DagsterInstance, fingerprint: str) -> dg.DagsterRun | None:
    """The latest run of the pipeline job that landed this delivery (`make run`, the sensor, the UI)."""
    runs = instance.get_runs(dg.RunsFilter(job_name=JOB_NAME, tags={DELIVERY_TAG: fingerprint}), limit=1)
    return runs[0] if runs else None


def _instance_of(context: dg.SensorEvaluationContext) -> dg.DagsterInstance | None:
    try:
        return context.instance
    except dg.DagsterInvariantViolationError:  # a sensor context built without an instance (tests)
        return None


def build_definitions() -> dg.Definitions:
    dbt_models = build_dbt_assets()
    # every asset, no check planned: dbt build runs every test and each is recorded as it ran; one dbt skipped
    # after a failure stays "not evaluated" instead of "Execution failed" (DECISIONLOG D-G3)
    pipeline = dg.AssetSelection.all().without_checks()
    job = dg.define_asset_job(JOB_NAME, selection=pipeline, executor_def=dg.in_process_executor,
                              description="Land the delivery, build every model with its checks, publish.")

    invoice_run = dg.define_asset_job(
        INVOICE_RUN_JOB_NAME, selection=pipeline, executor_def=dg.in_process_executor,
        description="The whole pipeline with invoice runs, revenue recognition and aging stopped at as_of_date (R20).",
        config=dg.ConfigMapping(
            config_schema={"as_of_date": dg.Field(str, description="YYYY-MM-DD: last possible run date")},
            config_fn=lambda c: {"ops": {"fieldledger_dbt": {"config": {"as_of_date": c["as_of_date"]}}}},
        ),
    )

    @dg.sensor(job=job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts a run when a file of FIELDLEDGER_RAW_DIR is added or changed, unless a run "
                           "(`make run`, this sensor, the UI) already processed that delivery successfully.")
    def new_delivery_sensor(context: dg.SensorEvaluationContext):
        instance = _instance_of(context)
        for message in release_dead_runs(instance) if instance is not None else []:
            context.log.warning(message)  # a killed run's writer slot would block this run (and every later one)
        raw_dir = load_settings().raw_dir
        if not raw_dir.is_dir():
            return dg.SkipReason(f"{raw_dir} does not exist")
        fingerprint = delivery_fingerprint(raw_dir)
        if fingerprint == context.cursor:
            return dg.SkipReason("no new delivery")  # requested or found done before: a failed run is not looped
        last = last_run_of(instance, fingerprint) if instance is not None else None
        if last is not None and last.status in PENDING:  # decide when it has ended (the cursor stays)
            return dg.SkipReason(f"run {last.run_id} is processing this delivery")
        context.update_cursor(fingerprint)
        if last is not None and last.status == dg.DagsterRunStatus.SUCCESS:
            return dg.SkipReason(f"run {last.run_id} already processed this delivery successfully")
        # never run, or its last run failed: run it; a retry needs its own run key (the daemon drops a repeated one)
        retry = last is not None and last.status in FINISHED_UNSUCCESSFULLY
        return dg.RunRequest(run_key=f"{fingerprint}:after-{last.run_id}" if retry else fingerprint,
                             tags={DELIVERY_TAG: fingerprint})

    daily = dg.ScheduleDefinition(name="daily_run", job=job, cron_schedule="0 6 * * *", execution_timezone="UTC",
                                  description="Every day at 06:00 UTC (turn it on in the UI).")
    project = dbt_project()
    published = build_publish_asset(dbt_models)
    # the export bookkeeping the Finance export writes and the next run's dbt reads back (group finance, D-G1)
    export_bookkeeping = [dg.AssetSpec(["exports", name], group_name="finance",
                                       description="Written by exports/finance_batch; read back for the trace")
                          for name in ("batches", "batch_rows")]
    return dg.Definitions(
        assets=[landed_delivery, dbt_models, published, build_exports_asset(published), *export_bookkeeping],
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
