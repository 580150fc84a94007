"""Landing on Spark (issue 15, DECISIONLOG D-SP2): a delivery folder → the same `raw.<table>` tables the dbt sources
read, as Parquet tables of a Spark warehouse, with the contract of orchestration/landing.py.

What is the same as the DuckDB landing: discovery and the schema_drift check (the same functions), every value as
text, empty = NULL, the 1-based data row number of every row, the content hash (`md5` of the values joined by
chr(31), NULL as chr(30): the same hash, so the same duplicates), a transactional row already landed adds nothing,
a new content of a setup file lands all its rows, a file landed before with the same content is skipped, a bad
record goes to `raw._unparseable_rows` with its text, reason and record id, ignored files to `raw._ignored_files`,
and the I1 counts per file in `raw._landed_files`.

How it differs: CSV records are parsed by landing's careful record reader (`_records`, Python, the one the Synapse
Link path uses) on the driver and handed to Spark as Parquet parts of CHUNK_ROWS rows (pyarrow) under the Spark
folder's `_landing/`, removed once landed, so the driver holds one chunk of a delivery at a time; hashing,
deduplication and the anti-join are Spark SQL. A CSV record that does not parse gets the Python reader's reason text
(DuckDB's reject types are worded the same for width and encoding errors, not always for quoting). Parquet files and
Dataverse's export layouts (Synapse Link, Delta) are not read yet (LandingError). Spark's Parquet tables have no
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

from orchestration.contract import BY_NAME, Table, column_positions
from orchestration.landing import (
    DeliveryFile,
    FileOutcome,
    LandingError,
    LandingReport,
    Progress,
    _has_surrogate,
    _Lines,
    _open_text,
    _record_id,
    _records,
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

CHUNK_ROWS = 200_000  # rows a Parquet part of a table's batch holds: the driver never keeps more of a delivery


class _Parts:
    """The good rows of a table's batch written as Parquet parts under `folder` (pyarrow, every value text), which
    Spark then reads as one DataFrame: a delivery of any size passes through the driver in chunks."""

    def __init__(self, table: Table, folder: Path):
        import pyarrow as pa

        self.names = ["_file_name", "_row_number", *table.columns]
        self.schema = pa.schema([("_file_name", pa.string()), ("_row_number", pa.int64()),
                                 *[(c, pa.string()) for c in table.columns]])
        self.folder, self.rows, self.parts = folder, [], 0
        shutil.rmtree(folder, ignore_errors=True)  # parts of a landing that crashed under the same load id
        folder.mkdir(parents=True)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.rows and self.parts:
            return
        columns = list(zip(*self.rows, strict=True)) if self.rows else [()] * len(self.names)
        pq.write_table(pa.table([pa.array(c, type=t.type) for c, t in zip(columns, self.schema, strict=True)],
                                schema=self.schema), self.folder / f"part-{self.parts:05d}.parquet")
        self.parts, self.rows = self.parts + 1, []


def _parts_folder(spark, load_id: int) -> Path:
    """Where a load's Parquet parts wait for Spark: `_landing/load-<id>` beside the Spark warehouse folder."""
    return Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")).parent / "_landing" / f"load-{load_id}"


def _read_csv(table: Table, f: DeliveryFile, header: list[str], load_id: int, parts: _Parts) -> list[tuple]:
    """Bad records of one CSV file for raw._unparseable_rows; its good rows, as (file, row number, contract
    columns…), go to `parts`."""
    width = len(header)
    positions = column_positions(table, header)
    at = [positions.get(c) for c in table.columns]
    bad: list[tuple] = []
    with _open_text(f) as fh:
        row_number = 0
        for record, parse_error, text in _records(_Lines(fh), width):
            row_number += 1
            error = parse_error
            if error is None and _has_surrogate("".join(record)):
                error = "invalid UTF-8"
            if error:
                safe = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                record_id = _record_id(table, header, record or [])
                if record_id and _has_surrogate(record_id):
                    record_id = None
                bad.append((table.name, f.name, row_number, safe, error, load_id, record_id))
            else:
                parts.add((f.name, row_number, *[(record[i] or None) if i is not None else None for i in at]))
    return bad


def _land_table(spark, table: Table, files: list[tuple[DeliveryFile, str]], headers: dict, load_id: int
                ) -> list[FileOutcome]:
    parts = _Parts(table, _parts_folder(spark, load_id) / table.name)
    bad: list[tuple] = []
    for f, _ in files:
        if f.fmt != "csv" or f.detail is not None:
            raise LandingError(f"{f.name}: landing on Spark reads CSV files only so far (not {f.fmt}); "
                               f"land this delivery with DuckDB (README 'On Spark')")
        bad += _read_csv(table, f, headers[f], load_id, parts)
    parts.flush()
    spark.read.parquet(str(parts.folder)).createOrReplaceTempView("table_batch")
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
    shutil.rmtree(parts.folder, ignore_errors=True)
    if bad:
        spark.createDataFrame(bad, "table_name string, file_name string, row_number bigint, raw_line string, "
                                   "error string, load_id bigint, record_id string") \
            .write.insertInto("raw._unparseable_rows")
    unparseable: dict[str, int] = {}
    for row in bad:
        unparseable[row[1]] = unparseable.get(row[1], 0) + 1
    outcomes = []
    for f, _ in files:
        out = FileOutcome(table.name, f.name, rows_unparseable=unparseable.get(f.name, 0))
        out.rows_landed = landed.get(f.name, 0)
        out.rows_delivered = delivered.get(f.name, 0) + out.rows_unparseable
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
