"""The assets of the code location: landing (extract → raw), the dbt models (raw → marts), publishing and the
Finance export."""
# No `from __future__ import annotations` here: Dagster reads the type hints of asset functions.


import hashlib
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.contract import CONFIG_TABLES, TABLES
from orchestration.dbt import (
    WRITER_POOL,
    FieldledgerTranslator,
    builds_everything_without_planned_checks,
    dbt_build_args,
    dbt_project,
    events_as_they_ran,
    prune_target_folders,
    unique_target_path,
)
from orchestration.exports import export_batches
from orchestration.landing import discover, land
from orchestration.publish import publish
from orchestration.runs import record_dbt_process, tag_run_with_this_process
from orchestration.settings import Settings, load_settings

LANDING_BOOKKEEPING = ("_landed_files", "_unparseable_rows", "_loads", "_ignored_files")
DELIVERY_TAG = "fieldledger/delivery"  # fingerprint of the delivery a run landed; the sensor skips it after a success


def delivery_fingerprint(raw_dir) -> str:
    """Changes when a file of the delivery is added, removed or rewritten."""
    files, _ = discover(raw_dir)
    digest = hashlib.sha256()
    for f in files:
        stat = f.path.stat()
        digest.update(f"{f.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class PipelineConfig(dg.Config):
    """SPEC §2 run settings; a field left empty takes its FIELDLEDGER_* variable, else the SPEC default."""

    finance_integration: bool | None = None
    calculate_price_in_field_service: bool | None = None
    calculate_cost_in_field_service: bool | None = None
    auto_approve: bool | None = None
    auto_confirm_invoices: bool | None = None
    as_of_date: str | None = None
    closed_through: str | None = None  # SPEC §3.3: periods up to this date's month are closed, all legal entities


class FieldledgerResource(dg.ConfigurableResource):
    """Where things are; an empty field takes its FIELDLEDGER_* variable (SPEC §2), else the default."""

    raw_dir: str = ""
    warehouse: str = ""
    build_db: str = ""
    export_dir: str = ""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # runs the daemon starts (sensor, schedule, UI) record their process too, so a killed one can be found
        # and its writer slot freed (orchestration/runs.py); once per run with the in-process executor
        if context.instance is not None and context.run is not None:
            tag_run_with_this_process(context.instance, context.run)

    def settings(self, config: PipelineConfig | None = None) -> Settings:
        env = dict(os.environ)
        for name in ("raw_dir", "warehouse", "build_db", "export_dir"):
            if getattr(self, name):
                env[f"FIELDLEDGER_{name.upper()}"] = getattr(self, name)
        settings = load_settings(env)
        overrides = {k: v for k, v in (config.model_dump() if config else {}).items() if v is not None}
        return settings.with_run(**overrides) if overrides else settings


@dg.multi_asset(
    specs=[dg.AssetSpec(["raw", t.name], group_name="landing",
                        description=f"`{t.name}` rows of every delivery, as text with file, row number, load id "
                                    f"and content hash (R2, R4)") for t in TABLES + CONFIG_TABLES]
    + [dg.AssetSpec(["raw", name], group_name="landing", description="Landing bookkeeping (I1, R4)")
       for name in LANDING_BOOKKEEPING],
    pool=WRITER_POOL,
    description="Land the delivery in FIELDLEDGER_RAW_DIR into the raw schema of the build file.",
)
def landed_delivery(context: dg.AssetExecutionContext, fieldledger: FieldledgerResource):
    settings = fieldledger.settings()
    # taken before landing: a file rewritten while it lands gives another fingerprint, so the sensor runs again
    fingerprint = delivery_fingerprint(settings.raw_dir)
    if context.run.tags.get(DELIVERY_TAG) != fingerprint:  # `make run`, the UI; the sensor's runs have it already
        context.instance.add_run_tags(context.run.run_id, {DELIVERY_TAG: fingerprint})
    report = land(settings.raw_dir, settings.build_db, progress=context.log.info)
    landed: dict[str, int] = {}
    for f in report.files:
        landed[f.table_name] = landed.get(f.table_name, 0) + f.rows_landed
    for ignored in report.ignored_files:
        context.log.warning(f"ignored {ignored.name}: {ignored.reason} (listed in marts.rpt_ignored_files)")
    for t in TABLES + CONFIG_TABLES:
        yield dg.MaterializeResult(asset_key=["raw", t.name], metadata={"rows_landed": landed.get(t.name, 0)})
    for name in LANDING_BOOKKEEPING:
        yield dg.MaterializeResult(asset_key=["raw", name], metadata={
            "load_id": report.load_id or 0,
            "files_landed": sum(1 for f in report.files if not f.skipped),
            "files_already_landed": sum(1 for f in report.files if f.skipped),
            "rows_unparseable": report.total("rows_unparseable"),
            "rows_duplicate": report.total("rows_duplicate")})


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for a subprocess started inside, and put the process environment back afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=FieldledgerTranslator(),
                pool=WRITER_POOL)
    def fieldledger_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, fieldledger: FieldledgerResource,
                        config: PipelineConfig):
        settings = fieldledger.settings(config)
        context.log.info(f"dbt build with {settings.run}")
        translator = FieldledgerTranslator()
        as_they_ran = builds_everything_without_planned_checks(context)  # the pipeline jobs (DECISIONLOG D-G3)
        with environment(settings.dbt_env()):  # the dbt subprocess starts here and inherits the paths
            if as_they_ran:  # the whole build without dagster-dbt's subsetting: every test runs, recorded as it ran
                invocation = dbt.cli(dbt_build_args(settings.run), manifest=project.manifest_path,
                                     dagster_dbt_translator=translator, target_path=unique_target_path(context))
            else:  # a selection from the asset graph, checks planned: dagster-dbt's own events
                invocation = dbt.cli(dbt_build_args(settings.run), context=context)
        record_dbt_process(context.instance, context.run.run_id, invocation.process.pid)
        try:
            yield from (events_as_they_ran(invocation, context, translator) if as_they_ran else invocation.stream())
        finally:  # the step failed while dbt still ran: a run never leaves its dbt (and the build file's lock) behind
            if invocation.process.poll() is None:
                invocation.process.terminate()
                try:
                    invocation.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    invocation.process.kill()
                    invocation.process.wait()
            removed = prune_target_folders(invocation.target_path.parent, context.op_execution_context.op.name,
                                           in_use=invocation.target_path)
            if removed:
                context.log.info(f"removed {len(removed)} old dbt target folder(s) of earlier runs from "
                                 f"{invocation.target_path.parent}")

    return fieldledger_dbt


def build_publish_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(key=["published", "warehouse"], group_name="publish", deps=list(dbt_models.keys), pool=WRITER_POOL,
              description="Copy the marts into FIELDLEDGER_WAREHOUSE in one atomic rename, after every model and "
                          "error-level check passed.")
    def published_warehouse(context: dg.AssetExecutionContext, fieldledger: FieldledgerResource):
        settings = fieldledger.settings()
        # what a reader of the published file needs, without this machine's paths (DECISIONLOG D-F6)
        publication = publish(settings.build_db, settings.warehouse,
                              run_info={"dagster_run_id": context.run.run_id, "delivery": settings.raw_dir.name,
                                        "run_settings": settings.run})
        how = {h: sorted(t for t, v in publication.how.items() if v == h) for h in ("kept", "updated", "written")}
        context.log.info("marts " + "; ".join(f"{h} {len(ts)}: {', '.join(ts) or '-'}" for h, ts in how.items()))
        return dg.MaterializeResult(metadata={"path": str(publication.path),
                                              "tables": len(publication.tables),
                                              **{f"marts {h}": len(ts) for h, ts in how.items()},
                                              **{k: v for k, v in sorted(publication.tables.items())}})

    return published_warehouse


def build_exports_asset(published: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(key=["exports", "finance_batch"], group_name="publish", deps=[published], pool=WRITER_POOL,
              description="Write the integration journal lines and posted customer invoices not yet sent to Finance "
                          "as one batch (CSV + Parquet + manifest) in FIELDLEDGER_EXPORT_DIR, exactly once. Runs "
                          "only after every model and error-level check passed and the warehouse was published.")
    def finance_exports(context: dg.AssetExecutionContext, fieldledger: FieldledgerResource):
        settings = fieldledger.settings()
        batches = export_batches(settings.build_db, settings.export_dir)
        if not batches:
            context.log.info("nothing new for Finance: no batch written")
            return dg.MaterializeResult(metadata={"batch": "none", "export_dir": str(settings.export_dir)})
        for batch in batches:
            how = "written" if batch.written else "already in place, recorded"
            context.log.info(f"batch {batch.batch_id} in {batch.folder} ({how}"
                             f"{'; left pending by an earlier run' if batch.recovered else ''}): {batch.rows}")
        newest = batches[-1]
        return dg.MaterializeResult(metadata={
            "batch": newest.batch_id, "folder": str(newest.folder), "written_now": newest.written, **newest.rows,
            "batches": [b.batch_id for b in batches], "recovered": [b.batch_id for b in batches if b.recovered]})

    return finance_exports
