"""Publishing: copy the marts of the build file into the warehouse file BI tools read, all or nothing.

The pipeline writes only the build file. Once every dbt model and error-level test has passed, the `marts`
schema is copied into a new file, which then replaces FIELDLEDGER_WAREHOUSE in one rename: a reader sees the
previous publication or the new one, never a half-built mart, and never blocks the pipeline's writer. The copy
is written in DuckDB 1.4's storage format, so BI connectors on DuckDB ≤ 1.5 can open it. Paths reach DuckDB as
parameters (ATTACH ?), never in SQL text.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)
STORAGE_VERSION = "v1.4.0"


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: dict[str, int]  # schema.table → rows


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def publish(build_db: Path, warehouse: Path, *, run_info: dict | None = None) -> Publication:
    if not build_db.exists():
        raise FileNotFoundError(f"build file {build_db} does not exist: run the pipeline first (make run)")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging = warehouse.with_name(warehouse.name + ".publishing")
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a crashed earlier publication
    tables: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute("attach ? as build (read_only)", [str(build_db)])
        con.execute("attach ? as pub (storage_version '" + STORAGE_VERSION + "')", [str(staging)])
        rows = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() where database_name = 'build' "
            f"and schema_name in ({', '.join('?' * len(PUBLISHED_SCHEMAS))}) order by 1, 2",
            list(PUBLISHED_SCHEMAS)).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema pub.{_quote(schema)}")
        for schema, table, comment in rows:
            target = f"pub.{_quote(schema)}.{_quote(table)}"
            con.execute(f"create table {target} as select * from build.{_quote(schema)}.{_quote(table)}")
            if comment:
                con.execute(f"comment on table {target} is '{comment.replace(chr(39), chr(39) * 2)}'")
            tables[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute("create schema pub.meta")
        # for the readers of the file, wherever it is copied: names, not this machine's paths (DECISIONLOG D-F6)
        con.execute("create table pub.meta.publication as select now() as published_at, ? as build_file, "
                    "? as run_info", [build_db.name, json.dumps(run_info or {}, sort_keys=True)])
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach build")
    os.replace(staging, warehouse)  # atomic: readers see the old file or the new one
    return Publication(warehouse, tables)
