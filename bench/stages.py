"""The benchmark stages: which dbt model folders each one builds, and what it counts as rows in and out.

`DBT_STAGES` is the one map from stage to model folders (under dbt_project/models/). Stages run in its order, each
as its own `dbt run`. Add a stage by adding a line; a folder that does not exist or has no models is skipped.

A model sits in the stage of its folder unless it reads a model of a later stage (e.g. `marts/projects/
fct_project_actuals` reads the billing ledger): then it runs with that later stage, since a fresh build file
does not have the later model yet. `plan()` works this out from the dbt manifest and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

LANDING = "landing"
TESTS = "tests"
PUBLISH = "publish"  # the marts copied into the warehouse file (orchestration.publish)
EXPORTS = "exports"  # the Finance export batch (orchestration.exports)

# stage → model folders, in build order
DBT_STAGES: dict[str, tuple[str, ...]] = {
    "staging": ("staging", "intermediate/validated"),  # typed, then checked against the references (R4)
    "engine": ("intermediate/usage", "intermediate/pricing", "intermediate/projects", "intermediate/approvals",
               "intermediate/actuals", "intermediate/delivery", "marts/projects", "marts/core"),
    "billing": ("intermediate/billing", "marts/billing"),
    "finance": ("intermediate/finance", "marts/finance"),
    "reports": ("reports",),
}

ALL_STAGES: tuple[str, ...] = (LANDING, *DBT_STAGES, TESTS, PUBLISH, EXPORTS)

# What the rows column of the table shows per stage: (label, SQL on the build file). Missing tables show "?".
HEADLINES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "staging": {
        "in": [("raw rows", "raw_rows")],
        "out": [("accepted", "accepted_rows"), ("rejected", "rejected_rows")],
    },
    "engine": {
        "in": [("line versions", "select count(*) from intermediate.int_work_order_products_validated "
                                 "where reject_reason is null union all "
                                 "select count(*) from intermediate.int_work_order_services_validated "
                                 "where reject_reason is null")],
        "out": [("MULs", "select count(*) from intermediate.int_material_usage_logs_recorded"),
                ("actuals", "select count(*) from intermediate.int_project_actuals_recorded")],
    },
    "billing": {
        "in": [("unbilled actuals", "select count(*) from intermediate.int_project_actuals_recorded "
                                    "where transaction_type = 'unbilled_sales' and billing_type = 'chargeable'")],
        "out": [("invoice line details", "select count(*) from intermediate.int_invoice_line_details_recorded"),
                ("invoices", "select count(*) from marts.fct_proforma_invoices")],
    },
    "finance": {
        "in": [("project actuals", "select count(*) from marts.fct_project_actuals")],
        "out": [("integration journal lines", "select count(*) from marts.fct_integration_journal_lines"),
                ("GL entries", "select count(*) from marts.fct_gl_entries")],
    },
    "reports": {
        "in": [("project actuals", "select count(*) from marts.fct_project_actuals")],
        "out": [("report rows", "report_rows")],
    },
}


@dataclass
class StagePlan:
    name: str
    folders: tuple[str, ...]
    models: list[str] = field(default_factory=list)  # unique ids built in this stage
    deferred_in: list[str] = field(default_factory=list)  # model names moved here from an earlier stage's folder
    deferred_out: list[str] = field(default_factory=list)  # model names of this stage's folders run later
    empty_folders: list[str] = field(default_factory=list)

    def selectors(self) -> list[str]:
        return [f"path:models/{f}" for f in self.folders if f not in self.empty_folders] + self.deferred_in

    def dbt_args(self) -> list[str]:
        """`--select` by folder (plus models moved here), `--exclude` the models moved to a later stage."""
        args = ["--select", *self.selectors()]
        if self.deferred_out:
            args += ["--exclude", *self.deferred_out]
        return args


@dataclass
class Plan:
    stages: dict[str, StagePlan]
    seeds: list[str]  # seed names the selected models read (loaded by `dbt seed` before staging)
    unassigned: list[str]  # models in no stage folder: never built by the benchmark
    nodes: dict[str, dict]  # manifest nodes of models (unique id → node)
    notes: list[str] = field(default_factory=list)

    def table_models(self, stage: str) -> list[dict]:
        """The models of a stage that persist rows (tables and incremental tables): they have a row count."""
        return [self.nodes[u] for u in self.stages[stage].models
                if self.nodes[u]["config"].get("materialized") in ("table", "incremental")]


def _folder_of(node: dict, stages: dict[str, tuple[str, ...]]) -> str | None:
    path = node["original_file_path"]
    for stage, folders in stages.items():
        for folder in folders:
            if path.startswith(f"models/{folder}/"):
                return stage
    return None


def plan(manifest_path: Path, wanted: list[str]) -> Plan:
    """Which models each wanted dbt stage builds, from the manifest (see the module docstring)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = {u: n for u, n in manifest["nodes"].items()
              if n["resource_type"] == "model" and n["config"].get("enabled", True)}
    order = list(DBT_STAGES)
    home = {u: _folder_of(n, DBT_STAGES) for u, n in models.items()}
    stage_of = {u: order.index(s) for u, s in home.items() if s is not None}
    changed = True
    while changed:  # a model runs no earlier than the latest stage of the models it reads
        changed = False
        for u in stage_of:
            parents = [stage_of[p] for p in models[u]["depends_on"]["nodes"] if p in stage_of]
            if parents and max(parents) > stage_of[u]:
                stage_of[u] = max(parents)
                changed = True
    stages = {s: StagePlan(s, DBT_STAGES[s]) for s in order if s in wanted}
    notes: list[str] = []
    for u, i in sorted(stage_of.items(), key=lambda kv: models[kv[0]]["original_file_path"]):
        stage, own = order[i], home[u]
        if stage in stages:
            stages[stage].models.append(u)
        if stage != own:
            name = models[u]["name"]
            if own in stages:
                stages[own].deferred_out.append(name)
            if stage in stages:
                stages[stage].deferred_in.append(name)
            readers = [models[p]["name"] for p in models[u]["depends_on"]["nodes"] if stage_of.get(p) == i]
            notes.append(f"{name} ({models[u]['original_file_path'].rsplit('/', 1)[0]}) reads {', '.join(readers)} "
                         f"of stage {stage}: it runs in stage {stage}")
    for s in stages.values():
        for folder in s.folders:
            if not any(models[u]["original_file_path"].startswith(f"models/{folder}/") for u in models):
                s.empty_folders.append(folder)
                notes.append(f"stage {s.name}: folder models/{folder} has no models (skipped)")
    built = {u for s in stages.values() for u in s.models}
    seeds = sorted({manifest["nodes"][p]["name"] for u in built for p in models[u]["depends_on"]["nodes"]
                    if p.startswith("seed.")})
    unassigned = sorted(models[u]["name"] for u, s in home.items() if s is None)
    if unassigned:
        notes.append(f"models in no stage folder (not built; add their folder to DBT_STAGES in bench/stages.py): "
                     f"{', '.join(unassigned)}")
        for u in sorted(built, key=lambda u: models[u]["name"]):
            missing = [models[p]["name"] for p in models[u]["depends_on"]["nodes"] if p in models and p not in stage_of]
            if missing:
                notes.append(f"{models[u]['name']} reads {', '.join(missing)}, which no stage builds: it will fail")
    return Plan(stages, seeds, unassigned, models, notes)


def test_args(plan_: Plan) -> list[str]:
    """`dbt test` of the data tests whose models were all built (cautious: a test on an unbuilt model is skipped)."""
    selected = [a for s in plan_.stages.values() if s.models for a in s.selectors()]
    excluded = {a for s in plan_.stages.values() for a in s.deferred_out} - {
        a for s in plan_.stages.values() for a in s.deferred_in}
    return ["--select", *selected, "--exclude", "test_type:unit", *sorted(excluded), "--indirect-selection", "cautious"]
