"""The project's structure, checked as dbt-project-evaluator checks it, over the parsed project (manifest.json).

The evaluator package cannot be installed here (no dbt hub), so its rules that fit are plain Python over the
manifest. Every violation the project still has is listed with its reason in project_structure_exceptions.csv (as
the evaluator's exceptions seed): the test fails on a violation not listed, and on a listed one that no longer
occurs — so the list only shrinks as the layers are redesigned (issue 14).

Docs are written once: a description text given to REPEATS or more columns (of models and sources together) must
come from a `{% docs %}` block (models/docs/*.md) through `{{ doc('…') }}` on every one of them — a text written
out three times is a copy that will drift. Two equal texts are allowed (often two columns of one report pair);
the manifest says which descriptions are doc blocks (a column's `doc_blocks`).

Rejoining of upstream concepts, as the evaluator finds it: a model reads a parent and also a child of that parent
whose only reader it is — the child is a step that could be folded into it, or should carry what the model goes
back to the parent for. A child that is itself published (a mart or report) is a product, not a step, so it is
not counted."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
EXCEPTIONS = Path(__file__).parent / "project_structure_exceptions.csv"
# the model folders in the order data flows: a model reads its own layer or one before it
LAYERS = ("staging", "intermediate", "marts", "reports")
RULES = {
    "staging_depends_on_staging": "a staging model (stg_ or base_) reads a stg_ model: staging is rename and cast",
    "source_outside_staging": "a model outside staging reads a source: only staging reads sources",
    "marts_depend_on_staging": "a mart or report reads a staging model directly, skipping intermediate",
    "reads_downstream": "a model reads a layer after its own (e.g. an intermediate model reads a mart)",
    "missing_primary_key_test": "a model without unique / unique_combination test or primary_key constraint",
    "undocumented_contracted_column": "a column of a contracted model without a description",
    "repeated_description_without_doc": "a description text written out on a column while REPEATS or more columns "
                                        "carry it: write it once as a {% docs %} block and use doc()",
    "rejoining_upstream_concepts": "a model reads a parent again beside an unpublished child of that parent that "
                                   "only it reads",
}
REPEATS = 3
PRIMARY_KEY_TESTS = ("unique", "unique_combination")


def dbt_sources_newest() -> float:
    """The newest file `make manifest` depends on (the Makefile's DBT_SOURCES)."""
    files = [p for folder in ("models", "macros", "tests") for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    files += [*(REPO_ROOT / "seeds" / "config").rglob("*"), DBT_PROJECT_DIR / "dbt_project.yml"]
    return max(p.stat().st_mtime for p in files if p.is_file())


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """target/manifest.json when it is newer than every dbt file (make manifest), else a fresh parse of our own."""
    path = MANIFEST
    if not MANIFEST.exists() or MANIFEST.stat().st_mtime < dbt_sources_newest():
        target = tmp_path_factory.mktemp("parse")
        subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--quiet", "--profiles-dir", ".",
                        "--target-path", str(target)], cwd=DBT_PROJECT_DIR, check=True,
                       env={**os.environ, "DO_NOT_TRACK": "1"})
        path = target / "manifest.json"
    return json.loads(path.read_text())


def violations(manifest: dict) -> set[tuple[str, str, str]]:
    """(rule, model, detail) for every violation: detail is the parent read (edge rules), the column, or ''."""
    nodes = manifest["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    found: set[tuple[str, str, str]] = set()

    def layer(node: dict) -> str:
        folder = node["fqn"][1]
        assert folder in LAYERS, f"{node['name']}: models/{folder}/ is no layer of LAYERS; add it in its place"
        return folder

    for node in models.values():
        own = layer(node)
        for parent_id in node["depends_on"]["nodes"]:
            if parent_id.startswith("source."):
                if own != "staging":
                    found.add(("source_outside_staging", node["name"], parent_id.split(".", 2)[2]))
                continue
            parent = models.get(parent_id)
            if parent is None:  # a seed
                continue
            theirs = layer(parent)
            if own == "staging" and parent["name"].startswith("stg_"):
                found.add(("staging_depends_on_staging", node["name"], parent["name"]))
            if own in ("marts", "reports") and theirs == "staging":
                found.add(("marts_depend_on_staging", node["name"], parent["name"]))
            if LAYERS.index(theirs) > LAYERS.index(own):
                found.add(("reads_downstream", node["name"], parent["name"]))

    keyed = {test.get("attached_node") or test["depends_on"]["nodes"][0] for test in nodes.values()
             if test["resource_type"] == "test" and (test.get("test_metadata") or {}).get("name") in PRIMARY_KEY_TESTS}
    for uid, node in models.items():
        constraints = [*node.get("constraints", []), *(c for col in node["columns"].values()
                                                       for c in col.get("constraints", []))]
        if uid not in keyed and not any(c["type"] == "primary_key" for c in constraints):
            found.add(("missing_primary_key_test", node["name"], ""))
        if (node["config"].get("contract") or {}).get("enforced"):
            found |= {("undocumented_contracted_column", node["name"], col["name"])
                      for col in node["columns"].values() if not (col.get("description") or "").strip()}

    readers: dict[str, set[str]] = {}
    for uid, node in models.items():
        for parent_id in node["depends_on"]["nodes"]:
            readers.setdefault(parent_id, set()).add(uid)
    for uid, node in models.items():
        parents = set(node["depends_on"]["nodes"])
        for child_id in parents & models.keys():
            child = models[child_id]
            if layer(child) in ("marts", "reports") or readers.get(child_id) != {uid}:
                continue
            found |= {("rejoining_upstream_concepts", node["name"], f"{child['name']} (reads {models[p]['name']})")
                      for p in set(child["depends_on"]["nodes"]) & parents & models.keys()}

    columns = [(node["name"], col) for node in [*models.values(), *manifest.get("sources", {}).values()]
               for col in node["columns"].values() if (col.get("description") or "").strip()]
    repeats = Counter(col["description"].strip() for _, col in columns)
    found |= {("repeated_description_without_doc", name, col["name"]) for name, col in columns
              if repeats[col["description"].strip()] >= REPEATS and not col.get("doc_blocks")}
    return found


def listed_exceptions() -> list[dict]:
    with open(EXCEPTIONS, newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_exceptions_name_a_rule_a_model_and_a_reason_once():
    rows = listed_exceptions()
    keys = [(r["rule"], r["model"], r["detail"]) for r in rows]
    assert [r for r in rows if r["rule"] not in RULES or not r["model"] or not r["reason"].strip()] == []
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_project_breaks_a_rule_only_where_the_exceptions_say_why(manifest, rule):
    found = {(m, d) for r, m, d in violations(manifest) if r == rule}
    listed = {(r["model"], r["detail"]) for r in listed_exceptions() if r["rule"] == rule}
    assert sorted(found - listed) == [], f"{RULES[rule]} — fix it, or list it with its reason in {EXCEPTIONS.name}"
    assert sorted(listed - found) == [], f"fixed, so no longer an exception of {rule}: remove it from {EXCEPTIONS.name}"


def model(name: str, folder: str, parents=(), contract=False, columns=None, docs=()) -> tuple[str, dict]:
    """A model node as the manifest has it; the columns named in docs take their description from a doc block."""
    return f"model.p.{name}", {
        "resource_type": "model", "name": name, "fqn": ["p", folder, name], "depends_on": {"nodes": list(parents)},
        "config": {"contract": {"enforced": contract}}, "constraints": [],
        "columns": {c: {"name": c, "description": d, "constraints": [],
                        "doc_blocks": [f"doc.p.{c}"] if c in docs else []} for c, d in (columns or {}).items()}}


def unique_test(model_id: str) -> tuple[str, dict]:
    return f"test.p.unique_{model_id}", {"resource_type": "test", "test_metadata": {"name": "unique"},
                                         "attached_node": model_id, "depends_on": {"nodes": [model_id]}}


def test_each_rule_catches_what_it_names():
    """The rules on a small project of their own: one model breaking each rule, and models breaking none.
    The id text is on three columns: written out on int_c's, from a doc block on the other two; the
    shipment text on two written-out columns only (fewer than REPEATS). rpt_e reads fct_d and int_c, which reads
    fct_d and has no other reader; rpt_h does the same with fct_g, but fct_g is published."""
    nodes = dict([
        model("stg_a", "staging", ["source.p.raw.a"], columns={"a_id": "The a.", "ship": "Shipment."},
              docs=("a_id",)),
        model("base_b", "staging", ["model.p.stg_a"], columns={"a_id": "The a.", "ship": "Shipment."},
              docs=("a_id",)),
        model("int_c", "intermediate", ["model.p.stg_a", "model.p.fct_d"], columns={"a_id": " The a. "}),
        model("fct_d", "marts", ["model.p.stg_a", "source.p.raw.a"], contract=True, columns={"d_id": "Id.", "x": " "}),
        model("rpt_e", "reports", ["model.p.int_c", "model.p.fct_d"]),
        model("fct_g", "marts", ["model.p.fct_d"]),
        model("rpt_h", "reports", ["model.p.fct_d", "model.p.fct_g"]),
    ])
    nodes.update(dict(unique_test(uid) for uid in ("model.p.stg_a", "model.p.int_c", "model.p.fct_d", "model.p.fct_g",
                                                    "model.p.rpt_h")))
    nodes["model.p.rpt_e"]["columns"] = {"e_id": {"name": "e_id", "description": "", "constraints": [
        {"type": "primary_key"}]}}
    assert violations({"nodes": nodes}) == {
        ("staging_depends_on_staging", "base_b", "stg_a"),
        ("source_outside_staging", "fct_d", "raw.a"),
        ("marts_depend_on_staging", "fct_d", "stg_a"),
        ("reads_downstream", "int_c", "fct_d"),
        ("missing_primary_key_test", "base_b", ""),
        ("undocumented_contracted_column", "fct_d", "x"),
        ("repeated_description_without_doc", "int_c", "a_id"),
        ("rejoining_upstream_concepts", "rpt_e", "int_c (reads fct_d)"),
    }
