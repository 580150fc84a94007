"""The dbt side of the code location: the project (manifest built by `make manifest`, never parsed at import),
asset keys and groups that follow the dbt folders, and the dbt command line as a pure function."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

WRITER_POOL = "duckdb_writer"  # every asset that writes the DuckDB file; the instance limits it to 1


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
    `<schema>/<name>`, grouped by folder."""

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
        if dbt_resource_props["resource_type"] == "seed":
            return "config"  # the posting setup seeds
        folders = [f for f in dbt_resource_props.get("fqn", [])[1:-1] if f != "base"]
        return "_".join(folders[:2]) or "dbt"
