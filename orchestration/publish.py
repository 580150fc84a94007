"""Publishing: copy the marts of the build file into the warehouse file BI tools read, all or nothing.

The pipeline writes only the build file. Once every dbt model and error-level test has passed, the `marts`
schema is copied into a new file, which then replaces FIELDLEDGER_WAREHOUSE in one rename: a reader sees the
previous publication or the new one, never a half-built mart, and never blocks the pipeline's writer. The copy
is written in DuckDB 1.4's storage format, so BI connectors on DuckDB ≤ 1.5 can open it. Paths reach DuckDB as
parameters (ATTACH ?, COPY … TO ?), never in SQL text.

What BI tools read besides the rows (DECISIONLOG D-B1–D-B4):
- the dbt descriptions, as table and column comments (persist_docs puts them on the build file);
- a PRIMARY KEY on every mart, taken from the mart's dbt uniqueness tests in the manifest (`unique`,
  `unique_combination`, or a primary_key constraint): every mart has one (tests/test_project_structure.py);
  UNIQUE instead where the key has NULLs (UNIQUE_KEYS, or a key dbt does not test for NULLs that has one now);
- a FOREIGN KEY for every error-level dbt `relationships` test between two published marts that points at the
  other mart's primary key: dbt has checked it before publication, so DuckDB's check at insert cannot fail.
Every mart is also written as `<warehouse folder>/parquet/<mart>.parquet` (Power BI, Excel, Fabric), into a new
folder that replaces the previous one in one swap, right after the warehouse file's rename.
The copy runs within a 6 GB DuckDB memory limit and spills beyond it (D-B5).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import publish_changes as changes
from orchestration.settings import DBT_PROJECT_DIR

PUBLISHED_SCHEMAS = ("marts",)
STORAGE_VERSION = "v1.4.0"
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
PARQUET_FOLDER = "parquet"
# DuckDB spills beyond this; without it a 1M-line publication peaked at 11-16 GB RSS (bench/, DECISIONLOG D-B5)
PUBLISH_MEMORY = "6GB"

# marts whose key has NULLs on some rows (a PRIMARY KEY cannot): declared UNIQUE instead (D-B2)
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    # level 'period' rows (the period's ledger totals) have no main account nor posting type
    "rpt_restatement": ("legal_entity", "period", "level", "main_account", "posting_type"),
}
UNIQUENESS_TESTS = {"unique", "unique_combination", "unique_combination_of_columns"}


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: dict[str, int]  # schema.table → rows
    parquet_dir: Path
    publication_id: str
    keys: Keys
    how: dict[str, str]  # mart → kept, updated or written (publish_changes)


@dataclass(frozen=True)
class Keys:
    """What publish declares on the marts, by table name."""

    primary: dict[str, tuple[str, ...]]
    unique: dict[str, tuple[str, ...]]
    foreign: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...]]]]  # table → (columns, table, columns)


class PublishError(RuntimeError):
    pass


def parquet_dir_for(warehouse: Path) -> Path:
    return warehouse.parent / PARQUET_FOLDER


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(_quote(n) for n in names)


def mart_keys(manifest: Path, published: dict[str, list[str]],
              has_nulls: Callable[[str, tuple[str, ...]], bool] = lambda table, key: False) -> Keys:
    """The keys of the published marts (table → its columns, in order) from the dbt manifest. A key that dbt
    does not test for NULLs and that has one in this publication is declared UNIQUE instead (D-B2)."""
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    except FileNotFoundError:
        raise PublishError(f"the dbt manifest {manifest} is missing, and the marts' keys come from it: "
                           "run `make manifest`; nothing was published") from None
    tables = {uid: n.get("alias") or n["name"] for uid, n in nodes.items()
              if n["resource_type"] == "model" and n["schema"] in PUBLISHED_SCHEMAS}
    candidates: dict[str, list[tuple[str, ...]]] = {}
    not_null: dict[str, set[str]] = {}
    relationships: list[tuple[str, str, str, str]] = []  # (table, column, referenced table, referenced column)
    for uid, node in nodes.items():
        table = tables.get(uid)
        if table in published:
            for constraint in node.get("constraints") or []:  # model-level contract constraints
                if constraint.get("type") == "primary_key":
                    candidates.setdefault(table, []).insert(0, tuple(constraint["columns"]))
            for column in node.get("columns", {}).values():
                types = {c.get("type") for c in column.get("constraints") or []}
                if "primary_key" in types:
                    candidates.setdefault(table, []).insert(0, (column["name"],))
                if types & {"primary_key", "not_null"}:
                    not_null.setdefault(table, set()).add(column["name"])
        if node["resource_type"] != "test" or tables.get(node.get("attached_node")) not in published:
            continue
        config, meta = node["config"], node.get("test_metadata") or {}
        if config.get("where") or str(config.get("severity")).lower() != "error" or not config.get("enabled", True):
            continue  # it does not hold on every published row, or it does not stop the publication
        table, kwargs = tables[node["attached_node"]], meta.get("kwargs", {})
        if meta.get("name") == "not_null":
            not_null.setdefault(table, set()).add(node["column_name"])
        elif meta.get("name") == "unique":
            candidates.setdefault(table, []).append((node["column_name"],))
        elif meta.get("name") in UNIQUENESS_TESTS:
            candidates.setdefault(table, []).append(tuple(kwargs.get("columns") or kwargs["combination_of_columns"]))
        elif meta.get("name") == "relationships":
            others = [tables.get(d) for d in node["depends_on"]["nodes"] if d != node["attached_node"]]
            if len(others) == 1 and others[0] in published:
                relationships.append((table, node["column_name"], others[0], kwargs["field"]))

    primary: dict[str, tuple[str, ...]] = {}
    unique = {t: k for t, k in UNIQUE_KEYS.items() if t in published}
    for table, columns in published.items():
        if table in UNIQUE_KEYS:
            continue
        keys = [k for k in candidates.get(table, []) if set(k) <= set(columns)]
        if not keys:
            raise PublishError(
                f"marts.{table} has no key to declare: give it a `unique` or `unique_combination` test on its key in "
                f"its yml; nothing was published")
        # a key dbt checks for NULLs first, then the shortest, then the one of the first columns
        key = min(keys, key=lambda k: (not set(k) <= not_null.get(table, set()), len(k),
                                       sorted(columns.index(c) for c in k)))
        if not set(key) <= not_null.get(table, set()) and has_nulls(table, key):
            unique[table] = key  # a PRIMARY KEY cannot hold NULL; dbt's unique tests, like UNIQUE, skip NULLs
        else:
            primary[table] = key
    foreign: dict[str, list] = {}
    for table, column, referenced, field in sorted(set(relationships)):
        if primary.get(referenced) == (field,) and referenced != table and not _reaches(foreign, referenced, table):
            foreign.setdefault(table, []).append(((column,), referenced, (field,)))
    return Keys(primary, unique, foreign)


def _reaches(foreign: dict[str, list], start: str, goal: str) -> bool:
    """Whether start already references goal through foreign keys (a new edge goal → start would close a cycle)."""
    seen, todo = set(), [start]
    while todo:
        table = todo.pop()
        if table == goal:
            return True
        if table not in seen:
            seen.add(table)
            todo += [referenced for _, referenced, _ in foreign.get(table, [])]
    return False


def _creation_order(tables: list[str], foreign: dict[str, list]) -> list[str]:
    """Referenced marts before the marts that reference them (a foreign key needs its table)."""
    done: list[str] = []

    def visit(table: str) -> None:
        if table not in done:
            for _, referenced, _ in foreign.get(table, []):
                visit(referenced)
            done.append(table)

    for table in sorted(tables):
        visit(table)
    return done


def publish(build_db: Path, warehouse: Path, *, run_info: dict | None = None, manifest: Path = MANIFEST,
            parquet_dir: Path | None = None) -> Publication:
    if not build_db.exists():
        raise FileNotFoundError(f"build file {build_db} does not exist: run the pipeline first (make run)")
    parquet_dir = parquet_dir or parquet_dir_for(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging = warehouse.with_name(warehouse.name + ".publishing")
    parquet_staging = parquet_dir.with_name(parquet_dir.name + ".publishing")
    leftovers = (staging, staging.with_name(staging.name + ".wal"), parquet_staging, _spill_dir(staging))
    _remove(*leftovers)  # a crashed earlier publication
    publication_id = uuid.uuid4().hex
    try:
        tables, keys, how = _write(build_db, warehouse, staging, parquet_dir, parquet_staging, manifest,
                                   publication_id, run_info or {})
    except BaseException:
        _remove(*leftovers)
        raise
    _remove(_spill_dir(staging))
    os.replace(staging, warehouse)  # atomic: readers see the old file or the new one
    _swap_folder(parquet_staging, parquet_dir)
    return Publication(warehouse, tables, parquet_dir, publication_id, keys, how)


def _spill_dir(staging: Path) -> Path:
    return staging.with_name(staging.name + ".tmp")


def _write(build_db: Path, warehouse: Path, staging: Path, parquet_dir: Path, parquet_staging: Path, manifest: Path,
           publication_id: str, run_info: dict) -> tuple[dict[str, int], Keys, dict[str, str]]:
    tables: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{PUBLISH_MEMORY}'")
        con.execute("set temp_directory = ?", [str(_spill_dir(staging))])
        con.execute("set preserve_insertion_order = false")  # no mart promises a row order; big copies use less memory
        con.execute("attach ? as build (read_only)", [str(build_db)])
        comments = dict(con.execute("select table_name, comment from duckdb_tables() where database_name = 'build' "
                                    "and schema_name = 'marts'").fetchall())
        columns: dict[str, list[tuple[str, str, str | None]]] = {}
        for table, column, data_type, comment in con.execute(
                "select table_name, column_name, data_type, comment from duckdb_columns() "
                "where database_name = 'build' and schema_name = 'marts' order by table_name, column_index").fetchall():
            columns.setdefault(table, []).append((column, data_type, comment))

        def has_nulls(table: str, key: tuple[str, ...]) -> bool:
            return con.execute(f"select count(*) from build.marts.{_quote(table)} where "
                               + " or ".join(f"{_quote(c)} is null" for c in key)).fetchone()[0] > 0

        marts = {t: [c[0] for c in cols] for t, cols in columns.items()}
        keys = mart_keys(manifest, marts, has_nulls) if marts else Keys({}, {}, {})
        fingerprints = {t: changes.fingerprint(con, f"build.marts.{_quote(t)}", cols) for t, cols in columns.items()}
        signatures = {t: changes.signature(cols, comments[t], keys.primary.get(t), keys.unique.get(t),
                                           keys.foreign.get(t, [])) for t, cols in columns.items()}
        previous_id = _attach_previous(con, warehouse)
        plan = changes.plan(con, "prev" if previous_id else None, columns, fingerprints, signatures, keys.primary,
                            keys.foreign)
        if previous_id:
            con.execute("detach prev")
        order = _creation_order(list(columns), keys.foreign)
        _start(con, warehouse, staging, plan, previous_id)
        for table in order:
            target, source = f"pub.marts.{_quote(table)}", f"build.marts.{_quote(table)}"
            try:
                if plan.how[table] == changes.WRITTEN:
                    _copy(con, target, source, columns[table], keys, table, comments[table])
                elif plan.how[table] == changes.UPDATED:
                    changes.apply_additions(con, table, target, source, columns[table], keys.primary[table],
                                            changes.fixed_columns(table, keys.primary[table], keys.foreign))
            except duckdb.ConstraintException as e:
                raise PublishError(
                    f"marts.{table} breaks a key declared on it (primary {keys.primary.get(table)}, foreign "
                    f"{keys.foreign.get(table)}): {e}. Nothing was published, the previous publication stays; "
                    f"the key is the mart's dbt uniqueness test") from e
        for table in reversed(order):
            if plan.how[table] == changes.UPDATED:
                changes.apply_removals(con, table, f"pub.marts.{_quote(table)}", keys.primary[table])
        for table in order:
            target = f"pub.marts.{_quote(table)}"
            if plan.how[table] == changes.UPDATED and changes.fingerprint(con, target, columns[table]) != fingerprints[
                    table]:
                rows = con.execute(f"select count(*) from {target}").fetchone()[0]
                raise PublishError(
                    f"marts.{table} updated in place differs from the build file's: {rows} rows against "
                    f"{fingerprints[table].split(':')[0]}; is its primary key {keys.primary[table]} not unique in "
                    f"the build file? Nothing was published, the previous publication stays")
            tables[f"marts.{table}"] = int(fingerprints[table].split(":")[0])
        written_by = _write_parquet(con, order, fingerprints, parquet_dir, parquet_staging, publication_id)
        con.execute("create schema pub.meta")
        # for the readers of the file, wherever it is copied: names, not this machine's paths (DECISIONLOG D-F6)
        con.execute("create table pub.meta.publication as select now() as published_at, ? as build_file, "
                    "? as run_info, ? as publication_id",
                    [build_db.name, json.dumps(run_info, sort_keys=True), publication_id])
        published_at = con.execute("select published_at::varchar from pub.meta.publication").fetchone()[0]
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach build")
    summary = {"publication_id": publication_id, "published_at": published_at, "run_info": run_info,
               "tables": tables, "marts": plan.how, "files_written_by": written_by}
    (parquet_staging / "_publication.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n",
                                                       encoding="utf-8")
    for path in [staging, *parquet_staging.iterdir()]:  # durable before it becomes visible
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    return tables, keys, plan.how


def _start(con: duckdb.DuckDBPyConnection, warehouse: Path, staging: Path, plan: changes.Plan,
           previous_id: str | None) -> None:
    """Attach the new publication as `pub`: a copy of the previous one without the marts written anew, or empty."""
    if not plan.copies_previous:
        con.execute("attach ? as pub (storage_version '" + STORAGE_VERSION + "')", [str(staging)])
        con.execute("create schema pub.marts")
        return
    shutil.copyfile(warehouse, staging)
    con.execute("attach ? as pub", [str(staging)])  # it keeps the storage version it was written with
    if con.execute("select publication_id from pub.meta.publication").fetchone()[0] != previous_id:
        raise PublishError(f"{warehouse} was replaced while this publication read it: nothing was published")
    current = {t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = 'pub' "
                                         "and schema_name = 'marts'").fetchall()}
    dropped = {t for t in current if plan.how.get(t, changes.WRITTEN) == changes.WRITTEN}  # and marts no longer built
    for table in changes.drop_order(con, "pub", dropped):
        con.execute(f"drop table pub.marts.{_quote(table)}")
    con.execute("drop schema pub.meta cascade")
    con.execute("checkpoint pub")  # the dropped marts' blocks are reused by the ones written now


def _attach_previous(con: duckdb.DuckDBPyConnection, warehouse: Path) -> str | None:
    """Attach the current publication read-only as `prev`; its publication id, or None when there is none to read."""
    if not warehouse.is_file():
        return None
    try:
        con.execute("attach ? as prev (read_only)", [str(warehouse)])
    except duckdb.Error:
        return None  # not a DuckDB file, or held by a writer: this publication writes every mart
    try:
        return con.execute("select publication_id from prev.meta.publication").fetchone()[0]
    except duckdb.Error:
        con.execute("detach prev")
        return None


def _write_parquet(con: duckdb.DuckDBPyConnection, tables: list[str], fingerprints: dict[str, str],
                   parquet_dir: Path, parquet_staging: Path, publication_id: str) -> dict[str, str]:
    """Each mart's Parquet file: the previous publication's file where it holds the same rows (a hard link, the
    file is never written again), else written now. Each file's metadata names the publication that wrote it and
    its fingerprint; returned: mart → that publication."""
    parquet_staging.mkdir(parents=True)
    written_by: dict[str, str] = {}
    for table in tables:
        previous, new = parquet_dir / f"{table}.parquet", parquet_staging / f"{table}.parquet"
        metadata = _parquet_metadata(con, previous) if previous.is_file() else {}
        if metadata.get("fingerprint") == fingerprints[table] and "publication_id" in metadata:
            try:
                os.link(previous, new)
            except OSError:
                shutil.copy2(previous, new)  # a file system without hard links
            written_by[table] = metadata["publication_id"]
            continue
        con.execute(f"copy pub.marts.{_quote(table)} to ? (format parquet, compression snappy, kv_metadata "
                    f"{{publication_id: '{publication_id}', fingerprint: '{fingerprints[table]}'}})", [str(new)])
        written_by[table] = publication_id
    return written_by


def _parquet_metadata(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    try:
        return dict(con.execute("select decode(key), decode(value) from parquet_kv_metadata(?)",
                                [str(path)]).fetchall())
    except duckdb.Error:
        return {}  # not a Parquet file of ours: written anew


def _copy(con: duckdb.DuckDBPyConnection, target: str, source: str, columns: list[tuple[str, str, str | None]],
          keys: Keys, table: str, comment: str | None) -> None:
    """The table with its keys and the dbt descriptions. DuckDB takes foreign keys (and UNIQUE) only in CREATE TABLE;
    a primary key added after the rows is built in one pass, which costs less than checking it row by row."""
    foreign, unique = keys.foreign.get(table, []), keys.unique.get(table)
    if foreign or unique:
        parts = [f"{_quote(name)} {data_type}" for name, data_type, _ in columns]
        parts += [f"foreign key ({_columns(cols)}) references marts.{_quote(referenced)} ({_columns(referenced_cols)})"
                  for cols, referenced, referenced_cols in foreign]
        parts += [f"unique ({_columns(unique)})"] if unique else []
        con.execute(f"create table {target} ({', '.join(parts)})")
        con.execute(f"insert into {target} select * from {source}")
    else:
        con.execute(f"create table {target} as select * from {source}")
    if table in keys.primary:
        con.execute(f"alter table {target} add primary key ({_columns(keys.primary[table])})")
    if comment:
        con.execute(f"comment on table {target} is {_literal(comment)}")
    for name, _, column_comment in columns:
        if column_comment:
            con.execute(f"comment on column {target}.{_quote(name)} is {_literal(column_comment)}")


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _swap_folder(new: Path, current: Path) -> None:
    """Put the folder `new` in place of `current`: readers of `current` see the previous folder or the new one whole."""
    previous = current.with_name(current.name + ".previous")
    _remove(previous)  # a crash between the two renames below
    if current.exists() and _exchange(new, current):
        shutil.rmtree(new)  # now the previous publication
        return
    if current.exists():
        os.replace(current, previous)  # a moment without the folder, never a mix of two publications
    os.replace(new, current)
    _remove(previous)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): both names swapped in one step; False where the system cannot."""
    if sys.platform != "linux":
        return False
    renameat2 = getattr(ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False  # not on this file system: the two renames instead
    raise OSError(code, f"could not swap {a} and {b}: {os.strerror(code)}")
