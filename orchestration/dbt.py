"""The dbt side of the code location: the project (manifest built by `make manifest`, never parsed at import),
asset keys, groups by business stage, the dbt command line as a pure function, and the pruning of dagster-dbt's
per-invocation target folders."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliInvocation, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

WRITER_POOL = "duckdb_writer"  # every asset that writes the DuckDB file; the instance limits it to 1

# The asset groups, in the order the lineage reads from left to right: every dependency goes from a stage to the
# same or a later one (tests/test_dagster_stages.py). DECISIONLOG D-G1.
STAGES = ("landing", "config", "field_service", "pricing_and_usage", "actuals", "billing", "finance", "reports",
          "publish")

# Every dbt model folder (models/<layer>/<folder>, `base/` folded into its parent) and its stage. A new folder must
# be added here: an unmapped one fails loading the definitions (and the test names it), never lands in a catch-all.
STAGE_OF_FOLDER = {
    "staging/landing": "landing",  # the landing bookkeeping: files landed, ignored, unparseable rows
    "staging/config_overrides": "config",  # posting setup: the seeds with the delivered overrides
    "staging/field_service": "field_service",
    "staging/project_operations": "field_service",  # projects, contracts, price lists, approvals as delivered
    "staging/finance": "field_service",  # companies, exchange rates, tax groups as delivered (the dimensions read them)
    "staging/export_bookkeeping": "finance",  # what earlier Finance exports sent, read back for the trace
    "intermediate/validated": "field_service",  # R4 reference checks and current versions (issue 14)
    "intermediate/delivery": "field_service",
    "intermediate/projects": "field_service",
    "marts/core": "field_service",  # the dimensions: work orders, customers, projects, products, legal entities
    "intermediate/usage": "pricing_and_usage",  # line revisions and MULs
    "intermediate/pricing": "pricing_and_usage",
    "intermediate/approvals": "actuals",
    "intermediate/actuals": "actuals",
    "intermediate/billing": "billing",
    "marts/billing": "billing",
    "marts/projects": "billing",  # fct_project_actuals carries the billed actuals invoicing writes, so after billing
    "intermediate/finance": "finance",
    "marts/finance": "finance",
    "reports": "reports",
}
SEED_STAGE = "config"  # the posting setup seeds
# the Dagster UI selection (README) that shows the chain work order → MUL → actual → invoice → GL, nothing else
CHAIN_SELECTION = 'key:"intermediate/int_work_orders_current"+ and +key:"marts/fct_gl_entries"'


class UnmappedFolderError(RuntimeError):
    pass


def model_folder(dbt_resource_props: Mapping[str, Any]) -> str:
    """`staging/field_service` for models/staging/field_service/base/x.sql; `reports` for models/reports/x.sql."""
    return "/".join([f for f in dbt_resource_props.get("fqn", [])[1:-1] if f != "base"][:2])


def stage_of(dbt_resource_props: Mapping[str, Any]) -> str:
    if dbt_resource_props["resource_type"] == "seed":
        return SEED_STAGE
    folder = model_folder(dbt_resource_props)
    if folder not in STAGE_OF_FOLDER:
        raise UnmappedFolderError(
            f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props.get('name')} is in models/{folder}, a "
            f"folder with no business stage: add '{folder}' to STAGE_OF_FOLDER in orchestration/dbt.py "
            f"(one of {', '.join(STAGES)})")
    return STAGE_OF_FOLDER[folder]


class ManifestMissingError(RuntimeError):
    pass


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if not project.manifest_path.exists():
        raise ManifestMissingError(
            f"{project.manifest_path} is missing: run `make manifest` (dbt parse) before loading the Dagster "
            f"definitions; `make run`, `make dev` and `make test` do it for you")
    return project


def dbt_build_args(run_settings: Mapping[str, bool | str], *, select: str | None = None,
                   full_refresh: bool = False) -> list[str]:
    """`dbt build` with the SPEC §2 settings as --vars (sorted, so equal settings give equal arguments)."""
    args = ["build", "--vars", json.dumps(dict(sorted(run_settings.items())), separators=(",", ":"))]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")  # ledger models are full_refresh: false and keep their rows
    return args


class FieldledgerTranslator(DagsterDbtTranslator):
    """Sources are the landed raw tables (`raw/<table>`) and the export bookkeeping (`exports/<table>`); models are
    `<schema>/<name>`, grouped by business stage (STAGE_OF_FOLDER)."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props.get("source_name") == "exports":  # the export bookkeeping (exports.py), not landed
                return dg.AssetKey(["exports", dbt_resource_props["name"]])
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return stage_of(dbt_resource_props)


KEEP_TARGET_FOLDERS = 5  # dagster-dbt writes one ~23 MB target folder per dbt invocation; the newest few are kept
IDLE_SECONDS = 30 * 60  # a folder written to less than this ago may belong to a dbt still running in another process


def _last_written(folder: Path) -> float:
    """The folder's own mtime or that of a file directly in it (dbt.log grows while dbt runs), whichever is newest."""
    times = [folder.stat().st_mtime]
    for entry in folder.iterdir():
        try:
            times.append(entry.stat().st_mtime)
        except OSError:  # removed meanwhile
            pass
    return max(times)


def prune_target_folders(target_dir: Path, prefix: str, *, in_use: Path | None = None,
                         keep: int = KEEP_TARGET_FOLDERS, idle_seconds: float = IDLE_SECONDS) -> list[Path]:
    """Remove the `<prefix>-*` folders of target_dir but the `keep` newest, the one in use and any written to in
    the last idle_seconds (another process's dbt may still use it; tests run in parallel on one project).
    Nothing else of target/ is touched (manifest.json, lint/, …). Returns the folders removed."""
    folders = []
    for path in target_dir.glob(f"{prefix}-*"):
        try:
            if path.is_dir():
                folders.append((_last_written(path), path))
        except OSError:  # removed by another process meanwhile
            pass
    folders.sort(reverse=True)
    now = time.time()
    removed = []
    for written, path in folders[keep:]:
        if (in_use is not None and path.resolve() == in_use.resolve()) or now - written < idle_seconds:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def builds_everything_without_planned_checks(context: dg.AssetExecutionContext) -> bool:
    """The pipeline jobs select every dbt asset and no check (definitions.py): `dbt build` runs every test anyway,
    and each is recorded as it ran. A run from the asset graph plans the checks and gets dagster-dbt's usual
    events (then Dagster marks a check dbt skipped after a failure as "Execution failed": D-G3)."""
    every_asset = set(context.assets_def.node_keys_by_output_name.values())
    return not context.selected_asset_check_keys and set(context.selected_asset_keys) == every_asset


def unique_target_path(context: dg.AssetExecutionContext) -> Path:
    """The folder dagster-dbt would choose (`<op>-<run id>-<random>`), for an invocation built without context."""
    return Path(dbt_project().project_dir) / "target" / (
        f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}")


def events_as_they_ran(invocation: DbtCliInvocation, context: dg.AssetExecutionContext,
                       translator: DagsterDbtTranslator) -> Iterator[Any]:
    """Outputs for the models built, and an evaluation for every test dbt ran (passed or failed) — none for a test
    dbt skipped because something upstream failed: Dagster records it as not evaluated in this run, never as failed
    (a check planned by a run that fails would be "Execution failed", shown red)."""
    manifest = invocation.manifest
    for event in invocation.stream_raw_events():
        unique_id = event.raw_event["data"].get("node_info", {}).get("unique_id")
        is_test = manifest["nodes"].get(unique_id, {}).get("resource_type") == "test"
        # without context dagster-dbt gives a test result the op form, AssetCheckEvaluation, not an unplanned result
        yield from event.to_default_asset_events(manifest=manifest, dagster_dbt_translator=translator,
                                                 context=None if is_test else context,
                                                 target_path=invocation.target_path, project=dbt_project())
