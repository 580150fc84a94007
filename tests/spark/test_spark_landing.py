"""Landing on Spark reads what the DuckDB landing reads (issue 15 item 2; SPEC §1.1, §1.4): the demo history written
as Dataverse exports it (Synapse Link CSV, Delta tables) and the demo's CSV delivery with some of its files delivered
as Parquet instead, each landed by orchestration.spark_landing and by orchestration.landing — every raw table, the
quarantine and the I1 counts per file equal row for row. Landing only: what dbt builds from a landed delivery is
test_spark_parity.py's."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from delivery_builder import demo_config
from spark_lane import SparkBuild, duckdb_lane_warehouse, land_on_spark, raw_differences

from orchestration.generate import generate
from orchestration.settings import REPO_ROOT

DEMO = REPO_ROOT / "seeds" / "demo"
AS_PARQUET = ("msdyn_workorderproduct", "msdyn_workorder")  # every other daily file of these becomes Parquet


def _with_parquet_files(target: Path) -> Path:
    """The demo with every other daily file of AS_PARQUET as a Parquet file of text columns (a file with a bad
    record stays CSV: Parquet holds only records that parse)."""
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("_generator"))
    with open(DEMO / "_generator" / "expected_rejections.csv", newline="") as fh:
        bad = {r["file_name"] for r in csv.DictReader(fh) if r["reason_code"] == "unparseable_row"}
    with duckdb.connect() as con:
        for table in AS_PARQUET:
            for path in sorted((target / table).glob("*.csv"))[::2]:
                if f"{table}/{path.name}" in bad:
                    continue
                con.execute(f"copy (select * from read_csv('{path}', all_varchar = true, header = true)) "
                            f"to '{path.with_suffix('.parquet')}' (format parquet)")
                path.unlink()
    return target


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("spark-layouts")
    out = {"csv with parquet files": _with_parquet_files(root / "parquet")}
    for layout in ("synapse", "delta"):
        generate(demo_config(DEMO), root / layout, progress=None, layout=layout)
        out[layout] = root / layout
    return out


@pytest.mark.parametrize("layout", ["csv with parquet files", "synapse", "delta"])
def test_spark_lands_every_layout_as_the_duckdb_landing_does(deliveries, layout, tmp_path):
    delivery = deliveries[layout]
    duck = duckdb_lane_warehouse()(tmp_path / "duckdb")
    duck.land(delivery)
    log = land_on_spark(delivery, tmp_path / "spark-lane")
    spark = SparkBuild(tmp_path / "spark-lane", {}, {}, log, "", {})

    problems = raw_differences(duck.build_db, spark)
    assert not problems, "\n".join(f"raw.{t}: {d}" for t, d in problems.items())
    landed = duck.query("select count(*), count(distinct file_name) filter (where file_name like '%.parquet'), "
                        "sum(rows_landed), sum(rows_unparseable) from raw._landed_files")[0]
    assert landed[0] > 50 and landed[2] > 1000, landed  # the delivery was read, not skipped
    if layout == "csv with parquet files":
        assert landed[1] > 10 and landed[3] > 0, landed  # Parquet files and bad CSV records in one delivery
    if layout == "synapse":
        assert landed[3] > 0, landed  # the demo's bad records, in Synapse partitions
