"""Landing (R2, R4): every file of a delivery → `raw.<table>`, all values as text, never losing a row.

Each landed row keeps its file name, 1-based data row number, load id and a content hash. A row whose content
hash is already in raw (the same file again, or an overlapping delivery) adds nothing; for setup tables without
version columns only a row from the same file counts as already landed. A CSV record that does not
parse is kept in `raw._unparseable_rows`. A file whose header lacks required columns stops the landing before
anything is written (schema_drift). Everything of one landing commits in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import BY_NAME, Table

NULL_MARK = "chr(30)"  # stands for NULL inside the content hash
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
    before = con.execute("select count(*) from reject_errors").fetchone()[0] if _has(con, "reject_errors") else 0
    columns = "{" + ", ".join(f"'{_sql_str(h)}': 'VARCHAR'" for h in header) + "}"
    con.execute(f"""create or replace temp table batch as
        select row_number() over () as _row_number, {_select_contract_columns(f.table, header)}
        from read_csv(?, columns={columns}, header=true, auto_detect=false, delim=',', quote='"', escape='"',
                      strict_mode=true, null_padding=false, store_rejects=true, encoding='utf-8')""",
                [str(f.path)])
    after = con.execute("select count(*) from reject_errors").fetchone()[0]
    return after == before


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchone()[0])


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
            if error is None and any(_has_surrogate(v) for v in record):
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
    cols = ", ".join(["_row_number bigint"] + [f'"{c}" varchar' for c in f.table.columns])
    con.execute(f"create or replace temp table batch ({cols})")
    if good:
        con.executemany(f"insert into batch values ({', '.join('?' * (len(f.table.columns) + 1))})", good)
    if bad:
        con.executemany("insert into raw._unparseable_rows values (?, ?, ?, ?, ?, ?, ?)", bad)
    return len(bad)


def _has_surrogate(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _read_parquet(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str]) -> None:
    cols = ", ".join(f'cast("{c}" as varchar) as "{c}"' if c in header else f'null::varchar as "{c}"'
                     for c in f.table.columns)
    con.execute(f"create or replace temp table batch as select file_row_number + 1 as _row_number, {cols} "
                f"from read_parquet(?, file_row_number=true)", [str(f.path)])


# ---------------------------------------------------------------------------------------------- landing

def _land_file(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str], load_id: int,
               sha: str) -> FileOutcome:
    out = FileOutcome(f.table.name, f.name)
    if f.fmt == "parquet":
        _read_parquet(con, f, header)
    elif not _read_csv_fast(con, f, header):
        out.rows_unparseable = _read_csv_careful(con, f, header, load_id)
    table = f'raw."{f.table.name}"'
    con.execute(f"create or replace temp table batch_hashed as select *, {_row_hash_sql(f.table)} as _row_hash "
                f"from batch")
    out.rows_delivered = con.execute("select count(*) from batch_hashed").fetchone()[0] + out.rows_unparseable
    cols = ", ".join(f'"{c}"' for c in f.table.columns)
    # A setup table without version columns is a snapshot: its file is its version, so only a row already landed
    # from the same file is a duplicate (else a value changed back to an earlier one would be lost).
    same_file = "" if f.table.transactional else f" and r._file_name = '{_sql_str(f.name)}'"
    out.rows_landed = con.execute(f"""
        insert into {table} ({cols}, _file_name, _row_number, _load_id, _row_hash)
        select {cols}, ?, _row_number, ?, _row_hash from batch_hashed b
        where not exists (select 1 from {table} r where r._row_hash = b._row_hash{same_file})
        qualify row_number() over (partition by _row_hash order by _row_number) = 1""",
                                  [f.name, load_id]).fetchone()[0]
    out.rows_duplicate = out.rows_delivered - out.rows_unparseable - out.rows_landed
    con.execute("insert into raw._landed_files values (?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, f.table.name, f.name, sha, out.rows_delivered, out.rows_landed, out.rows_duplicate,
                 out.rows_unparseable])
    return out


def land(raw_dir: Path, db_path: Path, progress: Progress = print) -> LandingReport:
    """Land a delivery folder into the raw schema of `db_path` (created if missing), in one transaction."""
    started = time.monotonic()
    files, ignored = discover(raw_dir)
    headers = check_schema(files)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = LandingReport(load_id=None, ignored=ignored)
    with duckdb.connect(str(db_path)) as con:
        con.execute("set TimeZone = 'UTC'")
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
        con.execute("begin transaction")
        try:
            load_id = con.execute("select coalesce(max(load_id), 0) + 1 from raw._loads").fetchone()[0]
            report.load_id = load_id
            step = max(1, len(todo) // 10)
            for i, (f, sha) in enumerate(todo, 1):
                report.files.append(_land_file(con, f, headers[f], load_id, sha))
                if i % step == 0 or i == len(todo):
                    progress(f"landing: {i}/{len(todo)} files, {report.total('rows_landed'):,} rows landed, "
                             f"{time.monotonic() - started:.1f} s")
            con.execute("insert into raw._loads values (?, now(), ?, ?, ?)",
                        [load_id, str(raw_dir), len(todo), report.total("rows_landed")])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    report.seconds = time.monotonic() - started
    return report
