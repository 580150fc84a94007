"""Fixtures of the Spark lane (issue 15), run by `make test-spark`, never by `make test` (pyproject's addopts ignore
this folder): deliveries landed and built on local Spark, in processes of their own (spark_lane.py), and on DuckDB."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="the Spark lane needs the `spark` extra: make test-spark")
pytest.importorskip("dbt.adapters.spark", reason="the Spark lane needs the `spark` extra: make test-spark")

from spark_lane import SparkBuild, build_on_spark, duckdb_lane_warehouse  # noqa: E402

from orchestration.generate.cli import main as generate  # noqa: E402
from orchestration.settings import REPO_ROOT  # noqa: E402

# a second shape beside the demo: more work orders over half a year, 2 % of the rows bad on purpose (R4)
GENERATED = ["--work-orders", "120", "--seed", "11", "--start", "2026-02-01", "--months", "6",
             "--bad-row-share", "0.02", "--quiet"]


@pytest.fixture(scope="module", params=["demo", "generated"])
def delivery(request, tmp_path_factory) -> Path:
    """The deliveries the parity tests build on both engines, each once."""
    if request.param == "demo":
        return REPO_ROOT / "seeds" / "demo"
    out = tmp_path_factory.mktemp("generated") / "delivery"
    assert generate([*GENERATED, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory, delivery) -> SparkBuild:
    return build_on_spark(delivery, tmp_path_factory.mktemp("spark-build"))


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory, delivery):
    w = duckdb_lane_warehouse()(tmp_path_factory.mktemp("duckdb-build"))
    w.build(delivery)
    return w
