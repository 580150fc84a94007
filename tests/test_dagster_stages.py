"""The asset groups are the business stages (landing → … → publish): every dbt folder is mapped to one explicitly,
the lineage between groups reads left to right, and the work order → MUL → actual → invoice → GL chain crosses the
stages in their order. No dbt run: the manifest and the definitions only."""

import json

import dagster as dg
import pytest

from orchestration.dbt import (
    CHAIN_SELECTION,
    STAGE_OF_FOLDER,
    STAGES,
    UnmappedFolderError,
    dbt_project,
    model_folder,
    stage_of,
)
from orchestration.definitions import build_definitions
from orchestration.settings import REPO_ROOT


@pytest.fixture(scope="module")
def graph():
    return build_definitions().resolve_asset_graph()


def test_every_model_of_the_manifest_is_in_a_mapped_folder_of_a_known_stage():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "snapshot")]
    assert len(models) > 100
    unmapped = sorted({f"models/{model_folder(n)} ({n['name']})" for n in models
                       if n["resource_type"] != "seed" and model_folder(n) not in STAGE_OF_FOLDER})
    assert unmapped == [], "add these folders to STAGE_OF_FOLDER in orchestration/dbt.py"
    assert set(STAGE_OF_FOLDER.values()) <= set(STAGES)
    used = {model_folder(n) for n in models if n["resource_type"] != "seed"}
    assert set(STAGE_OF_FOLDER) == used, "a mapped folder that no longer exists"


def test_a_new_folder_fails_loudly_instead_of_falling_into_a_catch_all():
    new_model = {"resource_type": "model", "name": "fct_new", "fqn": ["fieldledger", "marts", "new_area", "fct_new"]}
    with pytest.raises(UnmappedFolderError, match=r"models/marts/new_area.*STAGE_OF_FOLDER in orchestration/dbt.py"):
        stage_of(new_model)
    base = {"resource_type": "model", "name": "base_x", "fqn": ["fieldledger", "staging", "finance", "base", "base_x"]}
    assert model_folder(base) == "staging/finance"  # base/ folds into its parent folder


def test_the_groups_are_the_stages_and_the_lineage_reads_left_to_right(graph):
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == set(STAGES)
    backwards = sorted(f"{p.to_user_string()} ({graph.get(p).group_name}) -> {k.to_user_string()} "
                       f"({graph.get(k).group_name})"
                       for k in graph.get_all_asset_keys() for p in graph.get(k).parent_keys
                       if STAGES.index(graph.get(p).group_name) > STAGES.index(graph.get(k).group_name))
    assert backwards == []


def test_the_chain_work_order_mul_actual_invoice_gl_crosses_the_stages_in_order(graph):
    chain = [(["intermediate", "int_work_orders_current"], "field_service"),
             (["intermediate", "int_material_usage_logs_recorded"], "pricing_and_usage"),
             (["intermediate", "int_project_actuals_recorded"], "actuals"),
             (["intermediate", "int_invoice_line_details_recorded"], "billing"),
             (["intermediate", "int_customer_invoice_lines_recorded"], "finance"),
             (["marts", "fct_gl_entries"], "finance"),
             (["published", "warehouse"], "publish"),
             (["exports", "finance_batch"], "publish")]
    assert [graph.get(dg.AssetKey(k)).group_name for k, _ in chain] == [stage for _, stage in chain]
    for (upstream, _), (downstream, _) in zip(chain, chain[1:], strict=False):
        assert dg.AssetKey(upstream) in graph.get_ancestor_asset_keys(dg.AssetKey(downstream)), (upstream, downstream)


def test_the_readme_selection_shows_the_chain_across_five_stages(graph):
    assert CHAIN_SELECTION in (REPO_ROOT / "README.md").read_text()
    selected = dg.AssetSelection.from_string(CHAIN_SELECTION).resolve(graph)
    names = {k.path[-1] for k in selected}
    assert {"int_work_orders_current", "int_material_usage_logs_recorded", "int_project_actuals_recorded",
            "int_invoice_line_details_recorded", "int_customer_invoice_lines_recorded", "int_gl_entries_recorded",
            "fct_gl_entries"} <= names
    assert [s for s in STAGES if s in {graph.get(k).group_name for k in selected}] == [
        "field_service", "pricing_and_usage", "actuals", "billing", "finance"]
    assert len(selected) < 60  # the chain, not the whole graph (which has more than 150 assets)
