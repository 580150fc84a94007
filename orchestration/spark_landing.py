"""Landing on Spark (issue 15, DECISIONLOG D-SP2): a delivery folder → the same `raw.<table>` tables the dbt sources
read, as Parquet tables of a Spark warehouse, with the contract of orchestration/landing.py.

What is the same as the DuckDB landing: discovery and the schema_drift check (the same functions), every value as
text, empty = NULL, the 1-based data row number of every row, the content hash (`md5` of the values joined by
chr(31), NULL as chr(30): the same hash, so the same duplicates), a transactional row already landed adds nothing,
a new content of a setup file lands all its rows, a file landed before with the same content is skipped, a bad
record goes to `raw._unparseable_rows` with its text, reason and record id, ignored files to `raw._ignored_files`,
and the I1 counts per file in `raw._landed_files`.

How it differs: the files of a table are read by the DuckDB landing's own reader (`landing._read_files`, in an
in-memory DuckDB on the driver, a batch of at most landing.BATCH_BYTES of files at a time, spilling beyond
LANDING_MEMORY): every format and layout the DuckDB landing reads (CSV, Parquet, Synapse Link, Delta), with the same
bad records, reasons, row numbers and superseded retried writes. Each batch's good rows are handed to Spark as a
Parquet file under the Spark folder's `_landing/`, removed once landed; hashing, deduplication and the anti-join are
Spark SQL. Reading is therefore one driver process (as the whole DuckDB landing is): on a cluster it would be the
first stage to spread over executors (README "On Spark"). Spark's Parquet tables have no
transactions: a batch's rows are written before its `_landed_files` rows, so a crash in between lands the file again
on the next run (its transactional rows are then duplicates; a setup file's rows land again under the new load id,
which is the same current state).

    python -m orchestration.spark_landing [RAW_DIR]      # FIELDLEDGER_SPARK_DIR: the Spark warehouse (profiles.yml)
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from orchestration import landing
from orchestration.contract import BY_NAME, Table
from orchestration.landing import (
    LANDING_MEMORY,
    DeliveryFile,
    FileOutcome,
    LandingReport,
    Progress,
    check_schema,
    discover,
    files_to_land,
    new_ignored,
)

NULL_MARK = "chr(30)"


def spark_dir() -> Path:
    """The Spark warehouse folder: FIELDLEDGER_SPARK_DIR, else warehouse/spark of the project (as profiles.yml)."""
    default = Path(__file__).resolve().parent.parent / "warehouse" / "spark"
    return Path(os.environ.get("FIELDLEDGER_SPARK_DIR") or default).resolve()


def session(directory: Path | None = None):
    """A local Spark session on the warehouse folder, configured as profiles.yml's `spark` target."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    directory = (directory or spark_dir()).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    conf = {
        "spark.master": "local[2]",
        "spark.driver.memory": os.environ.get("FIELDLEDGER_SPARK_DRIVER_MEMORY", "3g"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.default": "parquet",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.log.level": "ERROR",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={directory / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={directory}",
    }
    builder = SparkSession.builder.appName("fieldledger-landing").enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# ---------------------------------------------------------------------------------------------- storage

def _q(name: str) -> str:
    return f"`{name}`"


def ensure_raw_schema(spark) -> None:
    spark.sql("create database if not exists raw")
    for table in BY_NAME.values():
        cols = ", ".join(f"{_q(c)} string" for c in table.columns)
        spark.sql(f"create table if not exists raw.{table.name} ({cols}, _file_name string, _row_number bigint, "
                  f"_load_id bigint, _row_hash string) using parquet")
    spark.sql("create table if not exists raw._loads (load_id bigint, loaded_at timestamp, raw_dir string, "
              "files_landed int, rows_landed bigint) using parquet")
    spark.sql("create table if not exists raw._landed_files (load_id bigint, table_name string, file_name string, "
              "file_sha256 string, rows_delivered bigint, rows_landed bigint, rows_duplicate bigint, "
              "rows_unparseable bigint) using parquet")
    spark.sql("create table if not exists raw._unparseable_rows (table_name string, file_name string, "
              "row_number bigint, raw_line string, error string, load_id bigint, record_id string) using parquet")
    spark.sql("create table if not exists raw._ignored_files (load_id bigint, file_name string, reason_code string, "
              "reason string, file_sha256 string, file_bytes bigint) using parquet")


def _row_hash_sql(table: Table) -> str:
    parts = ", ".join(f"coalesce({_q(c)}, {NULL_MARK})" for c in table.columns)
    return f"md5(concat_ws(chr(31), {parts}))"


# ---------------------------------------------------------------------------------------------- reading

def beside_warehouse(spark, *parts: str) -> Path:
    """A working folder beside the Spark warehouse folder (landing's `_landing/`, the exports' `_exports/`)."""
    return Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")).parent.joinpath(*parts)


def _parts_folder(spark, load_id: int) -> Path:
    """Where a load's Parquet parts wait for Spark: `_landing/load-<id>` beside the Spark warehouse folder."""
    return beside_warehouse(spark, "_landing", f"load-{load_id}")


def _read_batch(table: Table, files: list[DeliveryFile], headers: dict, load_id: int, part: Path
                ) -> tuple[list[tuple], dict[str, int], dict[str, int]]:
    """One batch of a table's files read by the DuckDB landing's own reader (landing._read_files: CSV, Parquet,
    Synapse Link, Delta) in an in-memory DuckDB; its good rows (file, row number, contract columns as text) written
    to the Parquet file `part`. Returns the bad records (rows of raw._unparseable_rows), and the unparseable records
    and superseded retried writes per file name."""
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        con.execute("set temp_directory = ?", [str(part.parent.parent / ".duckdb-tmp")])  # spill, never run out
        con.execute(f"set memory_limit = '{LANDING_MEMORY}'")
        landing.ensure_raw_schema(con)  # in memory: where the reader puts the bad records
        unparseable, superseded = landing._read_files(con, table, files, headers, load_id)
        con.execute("copy table_batch to ? (format parquet)", [str(part)])
        bad = con.execute("select table_name, file_name, row_number, raw_line, error, load_id, record_id "
                          "from raw._unparseable_rows order by file_name, row_number").fetchall()
    return bad, unparseable, superseded


def _land_table(spark, table: Table, files: list[tuple[DeliveryFile, str]], headers: dict, load_id: int
                ) -> list[FileOutcome]:
    folder = _parts_folder(spark, load_id) / table.name
    shutil.rmtree(folder, ignore_errors=True)  # parts of a landing that crashed under the same load id
    folder.mkdir(parents=True)
    bad: list[tuple] = []
    unparseable: dict[str, int] = {}
    superseded: dict[str, int] = {}
    for i, batch in enumerate(landing._batches(files, landing.BATCH_BYTES)):  # bounded memory, as landing.land
        more, counts, retried = _read_batch(table, [f for f, _ in batch], headers, load_id,
                                            folder / f"part-{i:05d}.parquet")
        bad += more
        unparseable.update(counts)
        superseded.update(retried)
    spark.read.parquet(str(folder)).createOrReplaceTempView("table_batch")
    spark.sql(f"select *, {_row_hash_sql(table)} as _row_hash from table_batch").cache() \
        .createOrReplaceTempView("batch_hashed")
    target = f"raw.{table.name}"
    cols = ", ".join(_q(c) for c in table.columns)
    if table.transactional:  # a row version is its content: one already in raw is a duplicate; first in batch lands
        key, first = "_row_hash", "min(struct(_file_name, _row_number))"
        new = f"not exists (select 1 from {target} r where r._row_hash = b._row_hash)"
        other = "d._first <> struct(b._file_name, b._row_number)"
    else:  # a setup file is a snapshot: all its rows land; only a row repeated within the file is a duplicate
        key, first, new = "_file_name, _row_hash", "min(_row_number)", "true"
        other = "d._file_name = b._file_name and d._first <> b._row_number"
    rows = spark.sql(f"""
        with repeated as (select {key}, {first} as _first from batch_hashed group by {key} having count(*) > 1)
        select {cols}, _file_name, _row_number, cast({load_id} as bigint) as _load_id, _row_hash from batch_hashed b
        where {new} and not exists (select 1 from repeated d where d._row_hash = b._row_hash and {other})""")
    rows.cache().createOrReplaceTempView("batch_new")
    landed = {r[0]: r[1] for r in spark.sql("select _file_name, count(*) from batch_new group by 1").collect()}
    spark.sql(f"insert into {target} select * from batch_new")
    delivered = {r[0]: r[1] for r in spark.sql("select _file_name, count(*) from batch_hashed group by 1").collect()}
    spark.catalog.uncacheTable("batch_new")
    spark.catalog.uncacheTable("batch_hashed")
    shutil.rmtree(folder, ignore_errors=True)
    if bad:
        spark.createDataFrame(bad, "table_name string, file_name string, row_number bigint, raw_line string, "
                                   "error string, load_id bigint, record_id string") \
            .write.insertInto("raw._unparseable_rows")
    outcomes = []
    for f, _ in files:
        out = FileOutcome(table.name, f.name, rows_unparseable=unparseable.get(f.name, 0),
                          rows_superseded=superseded.get(f.name, 0))
        out.rows_landed = landed.get(f.name, 0)
        out.rows_delivered = delivered.get(f.name, 0) + out.rows_unparseable + out.rows_superseded
        out.rows_duplicate = out.rows_delivered - out.rows_unparseable - out.rows_landed
        outcomes.append(out)
    return outcomes


def land(raw_dir: Path, spark=None, progress: Progress = print) -> LandingReport:
    """Land a delivery folder into the `raw` database of the Spark warehouse (created if missing)."""
    started = time.monotonic()
    files, ignored = discover(raw_dir, progress)
    headers = check_schema(files)
    spark = spark or session()
    report = LandingReport(load_id=None, ignored=[i.name for i in ignored], ignored_files=ignored)
    for i in ignored:
        progress(f"landing: ignored {i.name}: {i.reason}")
    ensure_raw_schema(spark)
    last_landed = {(r[0], r[1]): r[2] for r in spark.sql(
        "select table_name, file_name, max_by(file_sha256, load_id) from raw._landed_files group by 1, 2").collect()}
    todo = files_to_land(files, last_landed, report)
    to_list = new_ignored(ignored, {(r[0], r[1], r[2]) for r in spark.sql(
        "select file_name, reason_code, file_sha256 from raw._ignored_files").collect()})
    if not todo and not to_list:
        progress(f"landing: {len(files)} file(s) in {raw_dir}, all landed before: nothing to do")
        report.seconds = time.monotonic() - started
        return report
    load_id = spark.sql("select coalesce(max(load_id), 0) + 1 from raw._loads").collect()[0][0]
    report.load_id = load_id
    if to_list:
        spark.createDataFrame([(load_id, *row) for row in to_list],
                              "load_id bigint, file_name string, reason_code string, reason string, "
                              "file_sha256 string, file_bytes bigint").write.insertInto("raw._ignored_files")
    by_table: dict[str, list[tuple[DeliveryFile, str]]] = {}
    for f, sha in todo:
        by_table.setdefault(f.table.name, []).append((f, sha))
    done = 0
    for name, table_files in by_table.items():
        outcomes = _land_table(spark, BY_NAME[name], table_files, headers, load_id)
        spark.createDataFrame(
            [(load_id, name, f.name, sha, o.rows_delivered, o.rows_landed, o.rows_duplicate, o.rows_unparseable)
             for (f, sha), o in zip(table_files, outcomes, strict=True)],
            "load_id bigint, table_name string, file_name string, file_sha256 string, rows_delivered bigint, "
            "rows_landed bigint, rows_duplicate bigint, rows_unparseable bigint").write.insertInto("raw._landed_files")
        report.files.extend(outcomes)
        done += len(table_files)
        progress(f"landing on Spark: {name}: {len(table_files)} file(s), "
                 f"{sum(o.rows_landed for o in outcomes):,} rows landed ({done}/{len(todo)} files, "
                 f"{time.monotonic() - started:.1f} s)")
    spark.sql(f"insert into raw._loads select cast({load_id} as bigint), current_timestamp(), "
              f"'{str(raw_dir).replace(chr(39), chr(39) * 2)}', {len(todo)}, {report.total('rows_landed')}")
    shutil.rmtree(_parts_folder(spark, load_id), ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


if __name__ == "__main__":
    delivery = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FIELDLEDGER_RAW_DIR", "seeds/demo"))
    result = land(delivery)
    print(f"landing on Spark: load {result.load_id}, {result.total('rows_landed'):,} rows landed, "
          f"{result.total('rows_unparseable')} unparseable, {result.seconds:.1f} s")
