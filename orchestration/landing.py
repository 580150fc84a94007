"""Landing (R2, R4): every file of a delivery → `raw.<table>`, all values as text, never losing a row.

Each landed row keeps its file name, 1-based data row number, load id and a content hash. A row whose content
hash is already in raw (the same file again, or an overlapping delivery) adds nothing; for setup tables without
version columns only a row from the same file counts as already landed. A CSV record that does not
parse is kept in `raw._unparseable_rows`. A file whose header lacks required columns stops the landing before
anything is written (schema_drift). Files land in batches, each batch in one transaction with its bookkeeping,
so memory stays bounded and a crash leaves whole files landed or not landed.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import BY_NAME, Table

NULL_MARK = "chr(30)"  # stands for NULL inside the content hash
BATCH_BYTES = 256 * 1024 * 1024  # files read and deduplicated together: bounds memory, keeps anti-joins few
LANDING_MEMORY = "2GB"  # DuckDB spills beyond this; measured in bench/ (1M lines in about 45 s)
Progress = Callable[[str], None]


class LandingError(RuntimeError):
    """A delivery that cannot be landed; the message says which file and what to do."""


class SchemaDriftError(LandingError):
    """SPEC R4 schema_drift: a file whose header lacks required columns. Nothing was landed."""


@dataclass(frozen=True)
class DeliveryFile:
    table: Table
    path: Path
    name: str  # relative to the delivery folder, with '/' separators
    fmt: str  # csv or parquet


@dataclass
class FileOutcome:
    table_name: str
    file_name: str
    rows_delivered: int = 0
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_unparseable: int = 0
    skipped: bool = False  # the same file (name and content) was landed before


@dataclass
class LandingReport:
    load_id: int | None
    files: list[FileOutcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)


# ---------------------------------------------------------------------------------------------- discovery

def discover(raw_dir: Path) -> tuple[list[DeliveryFile], list[str]]:
    """The files of a delivery (SPEC §1.1): `<table>.csv|.parquet` or `<table>/*.csv|*.parquet`."""
    if not raw_dir.is_dir():
        raise LandingError(f"delivery folder {raw_dir} does not exist: set FIELDLEDGER_RAW_DIR to a folder of "
                           f"extract files (see README, 'Point it at your own extracts')")
    files: list[DeliveryFile] = []
    ignored: list[str] = []
    for entry in sorted(raw_dir.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        stem, suffix = (entry.name, "") if entry.is_dir() else (entry.stem, entry.suffix.lower())
        table = BY_NAME.get(stem)
        if table is None or (entry.is_file() and suffix not in (".csv", ".parquet")):
            ignored.append(entry.name)
            continue
        members = sorted(p for p in entry.rglob("*") if p.is_file()) if entry.is_dir() else [entry]
        for path in members:
            rel = path.relative_to(raw_dir).as_posix()
            if path.name.startswith(("_", ".")) or path.suffix.lower() not in (".csv", ".parquet"):
                ignored.append(rel)
                continue
            files.append(DeliveryFile(table, path, rel, path.suffix.lower().lstrip(".")))
    return files, ignored


def read_header(file: DeliveryFile) -> list[str]:
    if file.fmt == "parquet":
        with duckdb.connect() as con:
            return [r[0] for r in con.execute("select name from parquet_schema(?) where name <> 'duckdb_schema' "
                                              "and num_children is null", [str(file.path)]).fetchall()]
    with open(file.path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = next(csv.reader(fh), None)
    return [c.strip() for c in first] if first else []


def check_schema(files: list[DeliveryFile]) -> dict[DeliveryFile, list[str]]:
    """Headers of every file, or SchemaDriftError naming each file and its missing columns."""
    headers: dict[DeliveryFile, list[str]] = {}
    problems: list[str] = []
    for f in files:
        header = read_header(f)
        if not header:
            problems.append(f"  {f.name}: the file is empty (no header row); write the header or remove the file")
            continue
        missing = [c for c in f.table.required_columns if c not in header]
        duplicated = sorted({c for c in header if header.count(c) > 1})
        if missing:
            problems.append(f"  {f.name}: missing required column(s) {', '.join(missing)}")
        elif duplicated:
            problems.append(f"  {f.name}: column(s) named twice in the header: {', '.join(duplicated)}")
        headers[f] = header
    if problems:
        raise SchemaDriftError(
            "schema_drift: nothing was landed and nothing published changed, because these files do not "
            "have the columns of the extract contract (SPEC §1.2):\n" + "\n".join(problems)
            + "\nFix or remove the files and run again.")
    return headers


# ---------------------------------------------------------------------------------------------- storage

def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table in BY_NAME.values():
        cols = ", ".join(f'"{c}" varchar' for c in table.columns)
        con.execute(f'create table if not exists raw."{table.name}" ({cols}, _file_name varchar not null, '
                    f"_row_number bigint not null, _load_id bigint not null, _row_hash varchar not null)")
    con.execute("""create table if not exists raw._loads (
        load_id bigint primary key, loaded_at timestamptz not null, raw_dir varchar not null,
        files_landed integer not null, rows_landed bigint not null)""")
    con.execute("""create table if not exists raw._landed_files (
        load_id bigint not null, table_name varchar not null, file_name varchar not null,
        file_sha256 varchar not null, rows_delivered bigint not null, rows_landed bigint not null,
        rows_duplicate bigint not null, rows_unparseable bigint not null,
        primary key (table_name, file_name, file_sha256))""")
    con.execute("""create table if not exists raw._unparseable_rows (
        table_name varchar not null, file_name varchar not null, row_number bigint not null,
        raw_line varchar, error varchar not null, load_id bigint not null, record_id varchar)""")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _row_hash_sql(table: Table) -> str:
    parts = ", ".join(f'coalesce("{c}", {NULL_MARK})' for c in table.columns)
    return f"md5(concat_ws(chr(31), {parts}))"


def _select_contract_columns(table: Table, header: list[str]) -> str:
    return ", ".join(f'"{c}"' if c in header else f'null::varchar as "{c}"' for c in table.columns)


# ---------------------------------------------------------------------------------------------- reading

def _read_csv_fast(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str]) -> bool:
    """DuckDB's reader into temp table `batch`; False when any record fails to parse (then the slow path)."""
    before = con.execute("select count(*) from reject_errors").fetchall()[0][0] if _has(con, "reject_errors") else 0
    columns = "{" + ", ".join(f"'{_sql_str(h)}': 'VARCHAR'" for h in header) + "}"
    con.execute(f"""create or replace temp table batch as
        select row_number() over () as _row_number, {_select_contract_columns(f.table, header)}
        from read_csv(?, columns={columns}, header=true, auto_detect=false, delim=',', quote='"', escape='"',
                      strict_mode=true, null_padding=false, store_rejects=true, encoding='utf-8')""",
                [str(f.path)])
    after = con.execute("select count(*) from reject_errors").fetchall()[0][0]
    return after == before


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchall()[0][0])


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


class _Tap:
    """Feeds lines to csv.reader and remembers them, so an unparseable record keeps its original text."""

    def __init__(self, lines: Iterator[str]):
        self.lines, self.taken = lines, []

    def __iter__(self) -> _Tap:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line


def _read_csv_careful(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str],
                      load_id: int) -> int:
    """Python's csv module, record by record: good records → `batch`, bad ones → raw._unparseable_rows."""
    wanted = [header.index(c) if c in header else None for c in f.table.columns]
    key_at = [header.index(c) for c in f.table.key if c in header]
    good: list[tuple] = []
    bad: list[tuple] = []
    with open(f.path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        tap = _Tap(iter(fh))
        reader = csv.reader(tap, strict=True)
        tap.taken.clear()
        next(reader)  # header, already checked
        tap.taken.clear()
        row_number = 0
        while True:
            try:
                record = next(reader)
                error = None
            except StopIteration:
                break
            except csv.Error as exc:
                record, error = None, f"CSV syntax: {exc}"
            text = "".join(tap.taken).rstrip("\r\n")
            tap.taken.clear()
            if record == [] and error is None:
                continue  # blank line: not a record
            row_number += 1
            if error is None and len(record) != len(header):
                error = f"expected {len(header)} fields as in the header, found {len(record)}"
            if error is None and _has_surrogate("".join(record)):
                error = "invalid UTF-8"
            if error:
                safe = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                # the record's id as written, when the ragged record still has the key column(s)
                parts = [record[i] for i in key_at if record and i < len(record)] if record else []
                record_id = "|".join(parts) if parts and len(parts) == len(key_at) and all(parts) else None
                if record_id and _has_surrogate(record_id):
                    record_id = record_id.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                bad.append((f.table.name, f.name, row_number, safe, error, load_id, record_id))
            else:
                good.append((row_number, *[(record[i] or None) if i is not None else None for i in wanted]))
    names = ["_row_number", *f.table.columns]
    con.register("careful_rows", pd.DataFrame(good, columns=names, dtype=object))
    typed = ", ".join(["cast(_row_number as bigint) as _row_number"]
                      + [f'cast("{c}" as varchar) as "{c}"' for c in f.table.columns])
    con.execute(f"create or replace temp table batch as select {typed} from careful_rows")
    con.unregister("careful_rows")
    if bad:
        con.executemany("insert into raw._unparseable_rows values (?, ?, ?, ?, ?, ?, ?)", bad)
    return len(bad)


def _has_surrogate(value: str) -> bool:
    """True when the text holds bytes that were not UTF-8 (decoded with surrogateescape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_parquet(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str]) -> None:
    cols = ", ".join(f'cast("{c}" as varchar) as "{c}"' if c in header else f'null::varchar as "{c}"'
                     for c in f.table.columns)
    con.execute(f"create or replace temp table batch as select file_row_number + 1 as _row_number, {cols} "
                f"from read_parquet(?, file_row_number=true)", [str(f.path)])


# ---------------------------------------------------------------------------------------------- landing

def _read_csv_group(con: duckdb.DuckDBPyConnection, files: list[DeliveryFile], header: list[str]) -> set[str]:
    """Several CSV files with the same header in one DuckDB read, appended to `table_batch` with their names and
    per-file row numbers (the reader keeps file and row order). Returns the paths of files with a record DuckDB
    could not read: their rows are left out, for the careful reader."""
    before = con.execute("select count(*) from reject_errors").fetchall()[0][0] if _has(con, "reject_errors") else 0
    columns = "{" + ", ".join(f"'{_sql_str(h)}': 'VARCHAR'" for h in header) + "}"
    table = files[0].table
    con.execute("create or replace temp table file_names (_path varchar, _name varchar)")
    con.executemany("insert into file_names values (?, ?)", [(str(f.path), f.name) for f in files])
    con.execute(f"""create or replace temp table group_batch as
        select row_number() over () as _position, filename as _path, {_select_contract_columns(table, header)}
        from read_csv(?, columns={columns}, header=true, auto_detect=false, delim=',', quote='"', escape='"',
                      strict_mode=true, null_padding=false, store_rejects=true, encoding='utf-8', filename=true)""",
                [[str(f.path) for f in files]])
    bad: set[str] = set()
    if con.execute("select count(*) from reject_errors").fetchall()[0][0] != before:
        bad = {r[0] for r in con.execute("""
            select distinct s.file_path from reject_errors e
            join reject_scans s on s.scan_id = e.scan_id and s.file_id = e.file_id
            where e.scan_id = (select max(scan_id) from reject_scans)""").fetchall()}
    con.execute("create or replace temp table bad_paths (_path varchar)")
    if bad:
        con.executemany("insert into bad_paths values (?)", [(p,) for p in sorted(bad)])
    cols = ", ".join(f'g."{c}"' for c in table.columns)
    con.execute(f"""insert into table_batch
        select n._name, g._position - min(g._position) over (partition by g._path) + 1, {cols}
        from group_batch g join file_names n on n._path = g._path
        where g._path not in (select _path from bad_paths)""")
    return bad


def _read_file(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str], load_id: int,
               known_bad: bool = False) -> int:
    """The file's parseable records → temp table `batch`; returns how many records were unparseable."""
    if f.fmt == "parquet":
        _read_parquet(con, f, header)
        return 0
    if not known_bad and _read_csv_fast(con, f, header):
        return 0
    return _read_csv_careful(con, f, header, load_id)


def _land_table(con: duckdb.DuckDBPyConnection, table: Table, outcomes: list[FileOutcome], load_id: int) -> None:
    """Add the rows of `table_batch` (new files of one table) that raw does not have yet: one anti-join per batch
    of files, not per file, so landing stays linear in the rows delivered."""
    target = f'raw."{table.name}"'
    cols = ", ".join(f'"{c}"' for c in table.columns)
    # A setup table without version columns is a snapshot: its file is its version, so only a row already landed
    # from the same file is a duplicate (else a value changed back to an earlier one would be lost).
    same_file = "" if table.transactional else " and r._file_name = b._file_name"
    key = "_row_hash" if table.transactional else "_file_name, _row_hash"
    con.execute(f"""
        insert into {target} ({cols}, _file_name, _row_number, _load_id, _row_hash)
        with b as (select *, {_row_hash_sql(table)} as _row_hash from table_batch)
        select {cols}, _file_name, _row_number, ?, _row_hash from b
        where not exists (select 1 from {target} r where r._row_hash = b._row_hash{same_file})
        qualify row_number() over (partition by {key} order by _file_name, _row_number) = 1""", [load_id])
    names = [o.file_name for o in outcomes]
    delivered = dict(con.execute("select _file_name, count(*) from table_batch group by 1").fetchall())
    landed = dict(con.execute(f"select _file_name, count(*) from {target} where _load_id = ? "
                              f"and _file_name in (select unnest(?::varchar[])) group by 1",
                              [load_id, names]).fetchall())
    for out in outcomes:
        out.rows_landed = landed.get(out.file_name, 0)
        out.rows_delivered = delivered.get(out.file_name, 0) + out.rows_unparseable
        out.rows_duplicate = out.rows_delivered - out.rows_unparseable - out.rows_landed


def _read_files(con: duckdb.DuckDBPyConnection, table: Table, files: list[DeliveryFile],
                headers: dict[DeliveryFile, list[str]], load_id: int) -> dict[str, int]:
    """The files into a fresh `table_batch` (CSV files with one header in one DuckDB read; files with a bad
    record, and Parquet, one at a time). Returns the unparseable records per file."""
    cols = ", ".join(f'"{c}" varchar' for c in table.columns)
    con.execute(f"create or replace temp table table_batch (_file_name varchar, _row_number bigint, {cols})")
    unparseable: dict[str, int] = {}
    groups: dict[tuple[str, ...], list[DeliveryFile]] = {}
    for f in files:
        if f.fmt == "csv":
            groups.setdefault(tuple(headers[f]), []).append(f)
    one_by_one = [f for f in files if f.fmt != "csv"]
    for header, members in groups.items():
        bad = _read_csv_group(con, members, list(header))
        one_by_one += [f for f in members if str(f.path) in bad]
    for f in one_by_one:
        unparseable[f.name] = _read_file(con, f, headers[f], load_id, known_bad=f.fmt == "csv")
        con.execute("insert into table_batch select ?, * from batch", [f.name])
    return unparseable


def _batches(files: list[tuple[DeliveryFile, str]], max_bytes: int) -> Iterator[list[tuple[DeliveryFile, str]]]:
    """Consecutive files of one table, about `max_bytes` at a time: bounded memory whatever the delivery's size."""
    batch: list[tuple[DeliveryFile, str]] = []
    size = 0
    for item in files:
        batch.append(item)
        size += item[0].path.stat().st_size
        if size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def land(raw_dir: Path, db_path: Path, progress: Progress = print) -> LandingReport:
    """Land a delivery folder into the raw schema of `db_path` (created if missing), a batch of files per
    transaction. Nothing is written when a file's header lacks required columns."""
    started = time.monotonic()
    files, ignored = discover(raw_dir)
    headers = check_schema(files)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = LandingReport(load_id=None, ignored=ignored)
    with duckdb.connect(str(db_path)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        # spill to disk beside the warehouse rather than run out of memory on a large delivery
        con.execute("set temp_directory = ?", [str(db_path.parent / ".landing-tmp")])
        con.execute(f"set memory_limit = '{LANDING_MEMORY}'")
        ensure_raw_schema(con)
        landed = {(t, n, s) for t, n, s in
                  con.execute("select table_name, file_name, file_sha256 from raw._landed_files").fetchall()}
        todo = []
        for f in files:
            sha = file_sha256(f.path)
            if (f.table.name, f.name, sha) in landed:
                report.files.append(FileOutcome(f.table.name, f.name, skipped=True))
            else:
                todo.append((f, sha))
        if not todo:
            progress(f"landing: {len(files)} file(s) in {raw_dir}, all landed before: nothing to do")
            report.seconds = time.monotonic() - started
            return report
        load_id = con.execute("select coalesce(max(load_id), 0) + 1 from raw._loads").fetchall()[0][0]
        con.execute("insert into raw._loads values (?, now(), ?, 0, 0)", [load_id, str(raw_dir)])
        report.load_id = load_id
        by_table: dict[str, list[tuple[DeliveryFile, str]]] = {}
        for f, sha in todo:
            by_table.setdefault(f.table.name, []).append((f, sha))
        done = 0
        for name, table_files in by_table.items():
            for files in _batches(table_files, BATCH_BYTES):
                # a batch of files lands whole or not at all: its rows and its _landed_files entries commit
                # together, so after a crash the next landing skips exactly the files that made it
                con.execute("begin transaction")
                try:
                    unparseable = _read_files(con, BY_NAME[name], [f for f, _ in files], headers, load_id)
                    outcomes = [FileOutcome(name, f.name, rows_unparseable=unparseable.get(f.name, 0))
                                for f, _ in files]
                    _land_table(con, BY_NAME[name], outcomes, load_id)
                    con.executemany("insert into raw._landed_files values (?, ?, ?, ?, ?, ?, ?, ?)",
                                    [(load_id, name, f.name, sha, o.rows_delivered, o.rows_landed, o.rows_duplicate,
                                      o.rows_unparseable) for (f, sha), o in zip(files, outcomes, strict=True)])
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise
                report.files.extend(outcomes)
                done += len(files)
                progress(f"landing: {name}: {len(files)} file(s), {sum(o.rows_landed for o in outcomes):,} rows "
                         f"landed ({done}/{len(todo)} files, {time.monotonic() - started:.1f} s)")
        con.execute("update raw._loads set files_landed = ?, rows_landed = ? where load_id = ?",
                    [len(todo), report.total("rows_landed"), load_id])
    report.seconds = time.monotonic() - started
    return report
