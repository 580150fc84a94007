"""Fixtures of the Spark lane (issue 15), run by `make test-spark`, never by `make test` (pyproject's addopts ignore
this folder): the demo landed and built on local Spark, in processes of their own (spark_lane.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="the Spark lane needs the `spark` extra: make test-spark")
pytest.importorskip("dbt.adapters.spark", reason="the Spark lane needs the `spark` extra: make test-spark")

from spark_lane import SparkBuild, build_on_spark  # noqa: E402

from orchestration.settings import REPO_ROOT  # noqa: E402


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return REPO_ROOT / "seeds" / "demo"


@pytest.fixture(scope="session")
def spark_demo(tmp_path_factory, demo_dir) -> SparkBuild:
    return build_on_spark(demo_dir, tmp_path_factory.mktemp("spark-demo"))
