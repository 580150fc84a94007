"""Dataverse's own export folders (SPEC §1.4) as landing files: Azure Synapse Link CSV and Delta tables.

Landing (orchestration/landing.py) asks `detect` which layout a delivery folder has and, for these two, takes its
files from `discover` and its rows from `read_files`; everything after that — the contract, the content-hash
de-duplication, the quarantine, the I1 counts per file in raw._landed_files — is landing's own.

**Synapse Link CSV** (a root `model.json`). Tables and their column order come from the CDM `model.json` of the
folder a file is in: the root one for the table folders at the root (profiles without incremental folders), each
timestamped folder's own (`2026-03-15T06.00.00Z/`) for the files in it. Timestamped folders are read in name (=
time) order; the folder named in `Changelog/changelog.info` — without that file, the newest folder — is still being
written and so is every later one: they are not read (nor listed), a later run reads them once closed. A folder
without a non-empty `model.json` is incomplete and waits the same way. The landing unit is a partition file
(`2026.csv`, `2026-03.csv`, a split `2026_001.csv`), named `<folder>/<table>/<file>`: unique and stable, so
landing's bookkeeping (file name + content) never lands a closed folder twice. Partitions are headerless; a record
may hold quoted newlines and have fewer fields than the attributes (columns added later: the missing ones are
null); more fields than the attributes is an unparseable record. `OptionsetMetadata/`, `Snapshot/`,
`Microsoft.Athena.TrickleFeedService/` and `Changelog/` are Dataverse's metadata, not tables.

**Delta** (a `deltalake/` folder: the Synapse Link Delta option, a Fabric link). Every `deltalake/<table>_partitioned/`
(or `deltalake/<table>/`) is read through its Delta log with delta-rs: the landing unit is a commit, named by its log
file (`deltalake/<table>_partitioned/_delta_log/<version>.json`), and its rows are the rows the commit changed —
the rows of the data files it added that are not in the files it removed (a MERGE rewrites whole files; the
copies of unchanged rows are not changes). The data files are the ones the log names, never a glob. When a
removed file has been vacuumed the copies cannot be told apart and land as what they are, duplicates; a commit
whose previous version cannot be loaded delivers its whole snapshot (the same). A soft delete (`IsDelete` true) is
a changed row like any other and lands as an `isdelete` row version.

**Both.** Column names match the contract in any case (`IsDelete` is `isdelete`). Values become the contract's text
forms, so staging reads them as it reads any delivery: a boolean `True`/`False` is `true`/`false`, `IsDelete`
empty (not a delete) is `false`, a date-time — ISO with optional fraction and offset, or `M/d/yyyy h:mm:ss AM` — is
UTC ISO `2026-03-15T06:04:12Z` (a text that is no valid date-time stays as delivered, for staging to reject); a
typed Delta column is written as text the same way. A row whose primary key column is empty takes it from `Id`;
a delete row without `modifiedon` takes `SinkModifiedOn`. Rows of one landing with the same id and versionnumber
and different content are retried writes: the one with the newest `SinkModifiedOn` wins and the others count as
duplicates of their file (I1: delivered = landed + duplicate + unparseable); when the newest time is shared they
all land and staging rejects them (duplicate_version, DECISIONLOG D-S4 and D-D3).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pandas as pd

from orchestration.contract import Table, column_positions, table_named
from orchestration.landing import (
    NULL_MARK,
    DeliveryFile,
    IgnoredFile,
    LandingError,
    _has,
    _has_surrogate,
    _Lines,
    _open_text,
    _records,
)

CSV = "csv"
SYNAPSE = "synapse"
DELTA = "delta"
FORMATS = (SYNAPSE, DELTA)  # DeliveryFile.fmt of the files this module reads
TIMESTAMP_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}[.:]\d{2}[.:]\d{2}(\.\d+)?Z")
COMMIT_FILE = re.compile(r"\d{20}\.json")
# Dataverse's own metadata next to the tables (lower case): read by nobody here, listed nowhere
METADATA_FOLDERS = frozenset({"changelog", "optionsetmetadata", "microsoft.athena.tricklefeedservice",
                              "enumtranslation", "snapshot", "deltalake"})
DELTA_METADATA_TABLES = frozenset({"globaloptionsetmetadata", "optionsetmetadata", "statemetadata",
                                   "statusmetadata", "targetmetadata", "srsanalysisenums"})
# Delta reader features whose data cannot be read from the data files the log names as they are
UNREADABLE_FEATURES = frozenset({"deletionVectors", "columnMapping"})
US_FORMAT = "%m/%d/%Y %I:%M:%S %p"  # SinkCreatedOn / SinkModifiedOn: 3/15/2026 6:04:12 AM
ISO_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?"
US_PATTERN = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} ?[AaPp][Mm]"
DATETIME_TYPES = ("datetime", "datetimeoffset")
Notes = Callable[[str], None]


@dataclass(frozen=True)
class Columns:
    """The attributes of a Synapse Link entity in file order, with their CDM dataType (lower case)."""

    names: tuple[str, ...]
    types: tuple[str, ...]


@dataclass(frozen=True)
class Commit:
    """One commit of a Delta table: the table folder, the version the commit made and the table's latest one."""

    table_dir: Path
    version: int
    latest: int


def detect(raw_dir: Path) -> str:
    """The layout of a delivery folder: `delta` (a `deltalake/` folder), `synapse` (a root `model.json`), else
    `csv` (SPEC §1.1). A Synapse Link Delta profile also keeps CSV folders, the input of its Delta conversion: the
    Delta tables are what is read."""
    if (raw_dir / "deltalake").is_dir():
        return DELTA
    if (raw_dir / "model.json").is_file():
        return SYNAPSE
    return CSV


def discover(raw_dir: Path, layout: str, notes: Notes) -> tuple[list[DeliveryFile], list[IgnoredFile]]:
    if layout == SYNAPSE:
        return _discover_synapse(raw_dir, notes)
    return _discover_delta(raw_dir, notes)


def read_header(f: DeliveryFile) -> list[str]:
    if f.fmt == SYNAPSE:
        return list(f.detail.names)
    commit: Commit = f.detail  # a Delta table's columns are those of its latest version (its schema may grow)
    stat = (commit.table_dir / "_delta_log" / f"{commit.latest:020d}.json").stat()
    return list(_delta_columns(str(commit.table_dir), commit.latest, stat.st_mtime_ns, stat.st_size)[0])


def read_files(con: duckdb.DuckDBPyConnection, table: Table, files: list[DeliveryFile],
               load_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """The rows of these files (one table) appended to landing's `table_batch`, in the contract's text forms.
    Returns the unparseable records and the superseded retried writes, per file name."""
    if not files:
        return {}, {}
    cols = ", ".join(f'"{c}" varchar' for c in table.columns)
    con.execute(f"create or replace temp table dv_batch (_file_name varchar, _row_number bigint, "
                f"_sink timestamp, {cols})")
    unparseable: dict[str, int] = {}
    synapse = [f for f in files if f.fmt == SYNAPSE]
    groups: dict[Columns, list[DeliveryFile]] = {}
    for f in synapse:
        groups.setdefault(f.detail, []).append(f)
    for columns, members in groups.items():
        bad = _read_synapse_group(con, table, members, columns)
        for f in members:
            if str(f.path) in bad:
                unparseable[f.name] = _read_synapse_careful(con, table, f, columns, load_id)
    commits = [f for f in files if f.fmt == DELTA]
    by_table: dict[Path, list[DeliveryFile]] = {}
    for f in commits:
        by_table.setdefault(f.detail.table_dir, []).append(f)
    for members in by_table.values():
        _read_delta_commits(con, table, members)
    superseded = _supersede_retried_writes(con, table)
    names = ", ".join(f'"{c}"' for c in table.columns)
    con.execute(f"insert into table_batch select _file_name, _row_number, {names} from dv_batch")
    return unparseable, superseded


# ---------------------------------------------------------------------------------------------- Synapse Link CSV

def _entities(model: Path) -> dict[str, Columns] | None:
    """Entity name (lower case) → its columns, from a CDM model.json; None when the file is missing or empty (a
    folder still being written)."""
    if not model.is_file() or model.stat().st_size == 0:
        return None
    try:
        doc = json.loads(model.read_text(encoding="utf-8-sig"))
        entities = {}
        for entity in doc.get("entities", []):
            attrs = entity.get("attributes", [])
            entities[str(entity["name"]).lower()] = Columns(
                tuple(str(a["name"]) for a in attrs), tuple(str(a.get("dataType", "string")).lower() for a in attrs))
        return entities
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LandingError(f"{model}: not a CDM model.json ({exc}); Synapse Link writes one per folder — "
                           f"restore it, or remove the folder from the delivery") from exc


def _discover_synapse(raw_dir: Path, notes: Notes) -> tuple[list[DeliveryFile], list[IgnoredFile]]:
    root = _entities(raw_dir / "model.json") or {}
    folders = sorted(p for p in raw_dir.iterdir() if p.is_dir() and TIMESTAMP_FOLDER.fullmatch(p.name))
    changelog = raw_dir / "Changelog" / "changelog.info"
    open_name = None
    if changelog.is_file():
        open_name = changelog.read_text(encoding="utf-8-sig").strip().strip("/") or None
    elif folders:
        open_name = folders[-1].name  # no changelog: the newest folder may still be written
    sources: list[tuple[Path, dict[str, Columns], str]] = [(raw_dir, root, "model.json")]
    waiting = []
    for folder in folders:
        if open_name is not None and folder.name >= open_name:
            waiting.append(folder.name)
            continue
        entities = _entities(folder / "model.json")
        if entities is None:
            notes(f"landing: {folder.name}/ has no model.json yet: it is read on a later run")
            continue
        sources.append((folder, entities, f"{folder.name}/model.json"))
    if waiting:
        notes(f"landing: {', '.join(waiting)} still being written (Changelog/changelog.info names "
              f"{open_name}): read on a later run")
    files: list[DeliveryFile] = []
    ignored: list[IgnoredFile] = []
    for base, entities, model_name in sources:
        for entry in sorted(base.iterdir()):
            if (not entry.is_dir() or entry.name.startswith(("_", ".")) or entry.name.lower() in METADATA_FOLDERS
                    or TIMESTAMP_FOLDER.fullmatch(entry.name)):
                continue
            table = table_named(entry.name)
            columns = entities.get(entry.name.lower())
            for path in sorted(p for p in entry.rglob("*") if p.is_file()):
                rel = path.relative_to(raw_dir)
                inner = rel.parts[len(base.relative_to(raw_dir).parts) + 1:]
                if any(part.startswith(("_", ".")) or part.lower() == "snapshot" for part in inner):
                    continue  # Snapshot/: hourly read-only copies of the same partitions
                if table is None:
                    ignored.append(IgnoredFile(path, rel.as_posix(), "unknown_table",
                                               f"Synapse Link table '{entry.name}' is not a table of the extract "
                                               f"contract (SPEC §1.2)"))
                elif not path.name.lower().endswith(".csv"):
                    ignored.append(IgnoredFile(path, rel.as_posix(), "unsupported_format",
                                               "not a Synapse Link CSV partition (.csv)"))
                elif columns is None:
                    ignored.append(IgnoredFile(path, rel.as_posix(), "unsupported_format",
                                               f"headerless partition whose columns are unknown: {model_name} has "
                                               f"no entity '{entry.name}'"))
                else:
                    files.append(DeliveryFile(table, path, rel.as_posix(), SYNAPSE, detail=columns))
    return files, ignored


def _csv_options(width: int) -> str:
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    # parallel=false: DuckDB pads short records only when reading sequentially if a field may hold a newline
    return (f"columns={spec}, header=false, auto_detect=false, delim=',', quote='\"', escape='\"', "
            f"strict_mode=true, null_padding=true, parallel=false, store_rejects=true, encoding='utf-8', "
            f"filename=true")


def _read_synapse_group(con: duckdb.DuckDBPyConnection, table: Table, files: list[DeliveryFile],
                        columns: Columns) -> set[str]:
    """Headerless partitions with the same attributes in one DuckDB read, into `dv_batch`; returns the paths of
    files with a record DuckDB could not read (their rows are left out, for the careful reader)."""
    before = con.execute("select count(*) from reject_errors").fetchall()[0][0] if _has(con, "reject_errors") else 0
    width = len(columns.names)
    con.execute("create or replace temp table dv_names (_path varchar, _name varchar)")
    con.executemany("insert into dv_names values (?, ?)", [(str(f.path), f.name) for f in files])
    cells = ", ".join(f"c{i}" for i in range(width))
    con.execute(f"""create or replace temp table dv_read as
        select row_number() over () as _position, filename as _path, {cells}
        from read_csv(?, {_csv_options(width)})""", [[str(f.path) for f in files]])
    bad: set[str] = set()
    if con.execute("select count(*) from reject_errors").fetchall()[0][0] != before:
        bad = {r[0] for r in con.execute("""
            select distinct s.file_path from reject_errors e
            join reject_scans s on s.scan_id = e.scan_id and s.file_id = e.file_id
            where e.scan_id = (select max(scan_id) from reject_scans)""").fetchall()}
    con.execute("create or replace temp table dv_bad (_path varchar)")
    if bad:
        con.executemany("insert into dv_bad values (?)", [(p,) for p in sorted(bad)])
    con.execute(f"""create or replace temp table dv_text as
        select n._name as _file_name, r._position - min(r._position) over (partition by r._path) + 1 as _row_number,
            {cells}
        from dv_read r join dv_names n on n._path = r._path
        where r._path not in (select _path from dv_bad)
            and not ({' and '.join(f'c{i} is null' for i in range(width))})""")  # a blank line is no record
    _append_contract_rows(con, table, columns)
    return bad


def _read_synapse_careful(con: duckdb.DuckDBPyConnection, table: Table, f: DeliveryFile, columns: Columns,
                          load_id: int) -> int:
    """A partition record by record (landing's careful reader, headerless, short records padded): good records
    into `dv_batch`, bad ones into raw._unparseable_rows with their original text; returns how many were bad."""
    width = len(columns.names)
    positions = column_positions(table, list(columns.names))
    key_at = [positions[c] for c in table.key if c in positions]
    if not key_at and len(table.key) == 1:
        key_at = [i for i, n in enumerate(columns.names) if n.lower() == "id"][:1]
    good: list[tuple] = []
    bad: list[tuple] = []
    with _open_text(f) as fh:
        row_number = 0
        for record, parse_error, text in _records(_Lines(fh), width, header=False, pad=True):
            row_number += 1
            error = parse_error
            if error is None and _has_surrogate("".join(record)):
                error = "invalid UTF-8"
            if error:
                safe = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                parts = [record[i] for i in key_at if i < len(record)] if record else []
                record_id = "|".join(parts) if parts and len(parts) == len(key_at) and all(parts) else None
                if record_id and ("\n" in record_id or "\r" in record_id or _has_surrogate(record_id)):
                    record_id = None
                bad.append((table.name, f.name, row_number, safe, error, load_id, record_id))
            else:
                padded = [v or None for v in record] + [None] * (width - len(record))
                good.append((f.name, row_number, *padded))
    names = ["_file_name", "_row_number", *[f"c{i}" for i in range(width)]]
    con.register("dv_careful", pd.DataFrame(good, columns=names, dtype=object))
    typed = ", ".join(["cast(_file_name as varchar) as _file_name", "cast(_row_number as bigint) as _row_number"]
                      + [f"cast(c{i} as varchar) as c{i}" for i in range(width)])
    con.execute(f"create or replace temp table dv_text as select {typed} from dv_careful")
    con.unregister("dv_careful")
    if bad:
        con.executemany("insert into raw._unparseable_rows values (?, ?, ?, ?, ?, ?, ?)", bad)
    _append_contract_rows(con, table, columns)
    return len(bad)


# ---------------------------------------------------------------------------------------------- text forms

def _timestamp_text(ts: str) -> str:
    """SQL: a timestamp(tz) as the contract's UTC ISO text (fraction only when there is one)."""
    micros = f"(date_part('microseconds', {ts}) % 1000000)"
    return (f"(strftime({ts}, '%Y-%m-%dT%H:%M:%S') || case when {micros} <> 0 then "
            f"'.' || rtrim(lpad(cast({micros} as varchar), 6, '0'), '0') else '' end || 'Z')")


def _datetime_sql(x: str) -> str:
    """SQL: a delivered date-time text in the contract's form — ISO (fraction, offset) or M/d/yyyy h:mm:ss AM to UTC
    ISO; a date without a time, or a text that is no valid date-time, as delivered."""
    iso = f"try_cast(trim({x}) as timestamptz)"
    us = f"try_strptime(trim({x}), '{US_FORMAT}')"
    return (f"case when regexp_full_match(trim({x}), '{ISO_PATTERN}') and {iso} is not null then {_timestamp_text(iso)}"
            f" when regexp_full_match(trim({x}), '{US_PATTERN}') and {us} is not null then {_timestamp_text(us)}"
            f" else {x} end")


def _boolean_sql(x: str) -> str:
    return f"case lower(trim({x})) when 'true' then 'true' when 'false' then 'false' else {x} end"


def _sink_sql(x: str) -> str:
    """SQL: SinkModifiedOn text as a UTC timestamp (NULL when it is none)."""
    return f"coalesce(try_strptime(trim({x}), '{US_FORMAT}'), try_cast(trim({x}) as timestamptz) at time zone 'UTC')"


def _append_contract_rows(con: duckdb.DuckDBPyConnection, table: Table, columns: Columns) -> None:
    """`dv_text` (_file_name, _row_number, c0… in the order of `columns`) → the contract's columns in their text
    forms, appended to `dv_batch` with each row's SinkModifiedOn."""
    names = list(columns.names)
    positions = column_positions(table, names)
    lower = [n.lower() for n in names]

    def cell(name: str) -> str | None:
        return f"c{lower.index(name)}" if name in lower else None

    exprs: dict[str, str] = {}
    for c in table.columns:
        if c not in positions:
            exprs[c] = "null::varchar"
            continue
        x, kind = f"c{positions[c]}", columns.types[positions[c]]
        if c == "isdelete":
            exprs[c] = f"coalesce({_boolean_sql(x)}, 'false')"  # written only on deletes: empty is false
        elif kind == "boolean":
            exprs[c] = _boolean_sql(x)
        elif kind in DATETIME_TYPES:
            exprs[c] = _datetime_sql(x)
        else:
            exprs[c] = x
    id_cell, sink_cell = cell("id"), cell("sinkmodifiedon")
    if id_cell and len(table.key) == 1:
        key = table.key[0]
        exprs[key] = f"coalesce(nullif(trim({exprs[key]}), ''), {id_cell})"  # Id is the primary key
    if sink_cell and table.transactional:
        exprs["modifiedon"] = (f"case when {exprs['isdelete']} = 'true' and nullif(trim({exprs['modifiedon']}), '')"
                               f" is null then {_datetime_sql(sink_cell)} else {exprs['modifiedon']} end")
    sink = _sink_sql(sink_cell) if sink_cell else "null::timestamp"
    select = ", ".join(f'{exprs[c]} as "{c}"' for c in table.columns)
    con.execute(f"insert into dv_batch select _file_name, _row_number, {sink}, {select} from dv_text")


def _supersede_retried_writes(con: duckdb.DuckDBPyConnection, table: Table) -> dict[str, int]:
    """SPEC §1.4: among rows of this batch with one id and versionnumber and different content, the newest
    SinkModifiedOn wins; the older writes leave `dv_batch` and count as duplicates of their files. A newest time
    shared by two contents decides nothing (staging rejects them, duplicate_version)."""
    if not table.transactional or len(table.key) != 1:
        return {}
    key = table.key[0]
    content = "md5(concat_ws(chr(31), " + ", ".join(f'coalesce("{c}", {NULL_MARK})' for c in table.columns) + "))"
    con.execute(f"""create or replace temp table dv_superseded as
        with keyed as (
            select _file_name, _row_number, "{key}" as _key, versionnumber as _version, {content} as _content,
                coalesce(_sink, '-infinity'::timestamp) as _sink
            from dv_batch where "{key}" is not null and versionnumber is not null
        ),
        conflicting as (
            select *, max(_sink) over (partition by _key, _version) as _newest
            from keyed
            qualify count(distinct _content) over (partition by _key, _version) > 1
        ),
        winners as (
            select _key, _version, min(_content) as _content from conflicting where _sink = _newest
            group by all having count(distinct _content) = 1
        )
        select c._file_name, c._row_number from conflicting c
        join winners w on w._key = c._key and w._version = c._version
        where c._content <> w._content""")
    counts = dict(con.execute("select _file_name, count(*) from dv_superseded group by 1").fetchall())
    if counts:
        con.execute("delete from dv_batch using dv_superseded s "
                    "where dv_batch._file_name = s._file_name and dv_batch._row_number = s._row_number")
    return counts


# ---------------------------------------------------------------------------------------------- Delta

def _discover_delta(raw_dir: Path, notes: Notes) -> tuple[list[DeliveryFile], list[IgnoredFile]]:
    base = raw_dir / "deltalake"
    files: list[DeliveryFile] = []
    ignored: list[IgnoredFile] = []
    for entry in sorted(base.iterdir()):
        if not entry.is_dir() or entry.name.startswith(("_", ".")):
            continue
        stem = entry.name[:-len("_partitioned")] if entry.name.lower().endswith("_partitioned") else entry.name
        if stem.lower() in DELTA_METADATA_TABLES:
            continue
        log = entry / "_delta_log"
        commits = sorted(p for p in log.iterdir() if COMMIT_FILE.fullmatch(p.name)) if log.is_dir() else []
        table = table_named(stem)
        if not commits:
            for path in sorted(p for p in entry.rglob("*") if p.is_file()):
                ignored.append(IgnoredFile(path, path.relative_to(raw_dir).as_posix(), "unsupported_format",
                                           f"deltalake/{entry.name} is not a Delta table (no _delta_log commits)"))
        elif table is None:
            latest = commits[-1]
            ignored.append(IgnoredFile(latest, latest.relative_to(raw_dir).as_posix(), "unknown_table",
                                       f"Delta table '{entry.name}' is not a table of the extract contract "
                                       f"(SPEC §1.2)"))
        else:
            latest = int(commits[-1].stem)
            files += [DeliveryFile(table, c, c.relative_to(raw_dir).as_posix(), DELTA,
                                   detail=Commit(entry, int(c.stem), latest)) for c in commits]
    return files, ignored


def _delta_table(table_dir: Path, version: int):
    from deltalake import DeltaTable

    try:
        return DeltaTable(str(table_dir), version=version)
    except Exception as exc:  # delta-rs raises its own error types
        raise LandingError(f"{table_dir}: version {version} of the Delta table cannot be loaded ({exc})") from exc


def _check_protocol(table_dir: Path, dt) -> None:
    protocol = dt.protocol()
    features = set(protocol.reader_features or ())
    if protocol.min_reader_version == 2:
        features.add("columnMapping")
    unreadable = sorted(features & UNREADABLE_FEATURES)
    if unreadable:
        raise LandingError(f"{table_dir}: the Delta table uses {', '.join(unreadable)}, which fieldledger's reader "
                           f"does not apply to the data files; rewrite the table without them (e.g. REORG TABLE … "
                           f"APPLY (PURGE)) or export it as Synapse Link CSV")


@lru_cache(maxsize=4096)
def _delta_columns(table_dir: str, version: int, mtime_ns: int, size: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The data columns and partition columns of a Delta table at a version (cached per version and log file)."""
    dt = _delta_table(Path(table_dir), version)
    _check_protocol(Path(table_dir), dt)  # before anything lands
    partitions = tuple(dt.metadata().partition_columns)
    return tuple(f.name for f in dt.schema().fields if f.name not in partitions), partitions


def _read_delta_commits(con: duckdb.DuckDBPyConnection, table: Table, commits: list[DeliveryFile]) -> None:
    """The rows each commit changed (added files minus removed files, as multisets of rows) into `dv_batch`; the
    data files are those the log names, read in one DuckDB scan per batch."""
    table_dir = commits[0].detail.table_dir
    commits = sorted(commits, key=lambda f: f.detail.version)
    dt = _delta_table(table_dir, commits[-1].detail.version)
    _check_protocol(table_dir, dt)
    changes = _commit_changes(dt, commits, exact=False)
    if changes[-1][1] != _files(dt, commits[-1].detail.version):
        changes = _commit_changes(dt, commits, exact=True)  # the log's actions did not add up: ask delta-rs each time
    roles: list[tuple[str, str, str]] = []  # (commit file name, data file path, added | removed)
    for f, _, added, removed in changes:
        roles += [(f.name, p, "added") for p in sorted(added) if Path(p).is_file()]
        if removed and all(Path(p).is_file() for p in removed):
            roles += [(f.name, p, "removed") for p in sorted(removed)]
    paths = sorted({p for _, p, _ in roles})
    if not paths:
        return
    con.execute("create or replace temp table dl_roles (_commit varchar, _path varchar, _role varchar)")
    con.executemany("insert into dl_roles values (?, ?, ?)", roles)
    scan = "read_parquet(?, filename=true, file_row_number=true, union_by_name=true, hive_partitioning=false)"
    columns = [r[0] for r in con.execute(f"describe select * from {scan}", [paths]).fetchall()
               if r[0] not in ("filename", "file_row_number")]
    content = "md5(concat_ws(chr(31), " + ", ".join(
        f"coalesce(cast({_quote(n)} as varchar), {NULL_MARK})" for n in columns) + "))"
    # every row's content once; a row of an added file is a change unless a removed file of the same commit holds
    # the same content (as many times: rows are multisets)
    con.execute(f"create or replace temp table dl_content as select filename, file_row_number, {content} as _content "
                f"from {scan}", [paths])
    con.execute("""create or replace temp table dl_changed as
        with rows as (
            select r._commit, r._role, c.filename, c.file_row_number, c._content,
                row_number() over (partition by r._commit, r._role, c._content
                                   order by c.filename, c.file_row_number) as _copy
            from dl_roles r join dl_content c on c.filename = r._path
        )
        select a._commit, a.filename, a.file_row_number from (select * from rows where _role = 'added') a
        anti join (select * from rows where _role = 'removed') r
            on r._commit = a._commit and r._content = a._content and r._copy = a._copy""")
    changed = [r[0] for r in con.execute("select distinct filename from dl_changed order by 1").fetchall()]
    if not changed:
        return
    described = con.execute(f"describe select * from {scan}", [changed]).fetchall()
    data_columns = [(name, kind.upper()) for name, kind, *_ in described if name not in ("filename", "file_row_number")]
    texts = ", ".join(f"{_delta_text(f'd.{_quote(n)}', kind)} as c{i}" for i, (n, kind) in enumerate(data_columns))
    con.execute(f"""create or replace temp table dv_text as
        select c._commit as _file_name,
            row_number() over (partition by c._commit order by c.filename, c.file_row_number) as _row_number, {texts}
        from dl_changed c join {scan} d on d.filename = c.filename and d.file_row_number = c.file_row_number""",
                [changed])
    types = tuple("datetime" if _is_timestamp(kind) else "boolean" if kind == "BOOLEAN" else "string"
                  for _, kind in data_columns)
    _append_contract_rows(con, table, Columns(tuple(n for n, _ in data_columns), types))


def _commit_changes(dt, commits: list[DeliveryFile], *, exact: bool) -> list[tuple[DeliveryFile, set, set, set]]:
    """(commit, data files after it, files it added, files it removed) for consecutive-or-not commits. The table
    before the first commit (and after a gap) is delta-rs's snapshot; then each commit's own add and remove actions
    are applied (`exact`: delta-rs's snapshot at every version, for when those do not add up to it)."""
    out = []
    previous: set[str] | None = None
    prior_version: int | None = None
    for f in commits:
        version = f.detail.version
        if prior_version != version - 1:
            previous = _files_at(dt, version - 1)
        if previous is None or exact:
            current = _files(dt, version)
        else:
            adds, removes = _log_actions(f.path, f.detail.table_dir)
            current = (previous - removes) | adds
        before = previous or set()
        out.append((f, current, current - before, before - current))
        previous, prior_version = current, version
    return out


def _log_actions(commit: Path, table_dir: Path) -> tuple[set[str], set[str]]:
    """The data files a commit file adds and removes (Delta protocol: one JSON action per line)."""
    adds: set[str] = set()
    removes: set[str] = set()
    for line in commit.read_text(encoding="utf-8").splitlines():
        if line.strip():
            action = json.loads(line)
            for kind, target in (("add", adds), ("remove", removes)):
                if kind in action:
                    target.add(_data_file(table_dir, action[kind]["path"]))
    return adds, removes


def _data_file(table_dir: Path, path: str) -> str:
    path = unquote(urlparse(path).path if "://" in path else path)
    return os.path.normpath(path if os.path.isabs(path) else table_dir / path)


def _files(dt, version: int) -> set[str]:
    dt.load_as_version(version)
    return {_data_file(Path("/"), uri) for uri in dt.file_uris()}


def _files_at(dt, version: int) -> set[str] | None:
    """The data files of the table at `version`; None before the first version or when that version can no longer
    be loaded (its log was cleaned up): the next commit then delivers its whole snapshot."""
    if version < 0:
        return None
    try:
        return _files(dt, version)
    except Exception:  # delta-rs raises its own error types
        return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_timestamp(kind: str) -> bool:
    return kind.startswith("TIMESTAMP")


def _delta_text(x: str, kind: str) -> str:
    """SQL: a typed Delta column as the contract's text."""
    if _is_timestamp(kind):
        return _timestamp_text(x)
    if kind == "BOOLEAN":
        return f"case when {x} then 'true' when not {x} then 'false' end"
    if kind == "DATE":
        return f"strftime({x}, '%Y-%m-%d')"
    return f"cast({x} as varchar)"
