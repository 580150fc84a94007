"""Landing (R2, R4): every file of a delivery → `raw.<table>`, all values as text, never losing a row.

Table names (file stem or folder) and header columns match the contract case-insensitively; `.csv`, `.csv.gz`
and `.parquet` files are read. Each landed row keeps its file name, 1-based data row number, load id and a content
hash. A file whose content is the same as the last time its name was landed is skipped. For transactional tables a
row whose content hash is already in raw (an overlapping delivery) adds nothing; a setup table without version
columns is a snapshot, so a new content of a setup file lands all its rows under the new load id (the newer
landing is the newer version). A CSV record that does not parse is kept in `raw._unparseable_rows`, and only that
record: the careful reader resynchronises on the next physical line after an unbalanced quote. A file that is not
read (unknown table, unsupported format) is listed in `raw._ignored_files`. A file whose header lacks required
columns stops the landing before anything is written (schema_drift). Files land in batches, each batch in one
transaction with its bookkeeping, so memory stays bounded and a crash leaves whole files landed or not landed.
Dataverse's own export folders — Synapse Link CSV (a root `model.json`) and Delta tables (a `deltalake/` folder) —
are detected and read by orchestration/dataverse.py into the same batches (SPEC §1.4).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb

from orchestration.contract import BY_NAME, Table, column_positions, table_named

NULL_MARK = "chr(30)"  # stands for NULL inside the content hash
BATCH_BYTES = 1024 * 1024 * 1024  # files read and deduplicated together: bounds memory, keeps anti-joins few
LANDING_MEMORY = "2GB"  # DuckDB spills beyond this; measured in bench/ (1M lines in about 45 s)
# (suffix, format, compression), matched case-insensitively, longest first
FORMATS = ((".csv.gz", "csv", "gzip"), (".csv", "csv", "none"), (".parquet", "parquet", "none"))
MAX_RECORD_LINES = 10_000  # a quoted field running over more physical lines than this is unparseable
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
    fmt: str  # csv or parquet; synapse or delta (orchestration/dataverse.py)
    compression: str = "none"  # none or gzip (CSV only)
    detail: object = field(default=None, compare=False)  # synapse: its columns; delta: its commit


@dataclass(frozen=True)
class IgnoredFile:
    """A file of the delivery that landing does not read (SPEC R4: listed, not silently dropped)."""

    path: Path
    name: str  # relative to the delivery folder, with '/' separators
    reason_code: str  # unknown_table or unsupported_format
    reason: str


@dataclass
class FileOutcome:
    table_name: str
    file_name: str
    rows_delivered: int = 0
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_unparseable: int = 0
    rows_superseded: int = 0  # retried Dataverse writes replaced by a newer one (counted as duplicates)
    skipped: bool = False  # the same file (name and content) was landed before


@dataclass
class LandingReport:
    load_id: int | None
    files: list[FileOutcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # names of the ignored files (details: ignored_files)
    ignored_files: list[IgnoredFile] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)


# ---------------------------------------------------------------------------------------------- discovery

def _format(name: str) -> tuple[str, str, str] | None:
    """(stem, format, compression) of a file name with a supported suffix, else None."""
    lower = name.lower()
    for suffix, fmt, compression in FORMATS:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], fmt, compression
    return None


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def discover(raw_dir: Path, notes: Progress | None = None) -> tuple[list[DeliveryFile], list[IgnoredFile]]:
    """The files of a delivery (SPEC §1.1): `<table>.csv|.csv.gz|.parquet` or a folder `<table>/` of such files,
    table names in any case. Files and folders whose name starts with `_` or `.` are skipped by design (README);
    every other file that is not read is returned as ignored, with its reason. A Synapse Link or Delta export
    folder (SPEC §1.4) gives its partition files or Delta commits; what it does not read yet goes to `notes`."""
    if not raw_dir.is_dir():
        raise LandingError(f"delivery folder {raw_dir} does not exist: set FIELDLEDGER_RAW_DIR to a folder of "
                           f"extract files (see README, 'Point it at your own extracts')")
    from orchestration import dataverse

    layout = dataverse.detect(raw_dir)
    if layout != dataverse.CSV:
        return dataverse.discover(raw_dir, layout, notes or (lambda _: None))
    files: list[DeliveryFile] = []
    ignored: list[IgnoredFile] = []
    supported = ", ".join(f for f, _, _ in FORMATS)
    for entry in sorted(raw_dir.iterdir()):
        if _hidden(entry.name):
            continue
        if entry.is_dir():
            table = table_named(entry.name)
            for path in sorted(p for p in entry.rglob("*") if p.is_file()):
                rel = path.relative_to(raw_dir)
                if any(_hidden(part) for part in rel.parts[1:]):
                    continue
                fmt = _format(path.name)
                if table is None:
                    ignored.append(IgnoredFile(path, rel.as_posix(), "unknown_table",
                                               f"folder '{entry.name}' is not a table of the extract contract "
                                               f"(SPEC §1.2)"))
                elif fmt is None:
                    ignored.append(IgnoredFile(path, rel.as_posix(), "unsupported_format",
                                               f"not a {supported} file"))
                else:
                    files.append(DeliveryFile(table, path, rel.as_posix(), fmt[1], fmt[2]))
        elif entry.is_file():
            fmt = _format(entry.name)
            table = table_named(fmt[0] if fmt else entry.name.split(".")[0])
            if fmt is None:
                ignored.append(IgnoredFile(entry, entry.name, "unsupported_format",
                                           f"not a {supported} file"
                                           + (f" (table {table.name})" if table else "")))
            elif table is None:
                ignored.append(IgnoredFile(entry, entry.name, "unknown_table",
                                           f"'{fmt[0]}' is not a table of the extract contract (SPEC §1.2)"))
            else:
                files.append(DeliveryFile(table, entry, entry.name, fmt[1], fmt[2]))
    return files, ignored


def _open_text(file: DeliveryFile) -> IO[str]:
    """The CSV file as text (UTF-8, BOM dropped; bytes that are not UTF-8 kept as surrogates), gzip or not."""
    if file.compression == "gzip":
        return gzip.open(file.path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="")
    return open(file.path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_header(file: DeliveryFile) -> list[str]:
    if file.detail is not None:
        from orchestration import dataverse

        return dataverse.read_header(file)
    if file.fmt == "parquet":
        with duckdb.connect() as con:
            return [r[0] for r in con.execute("select name from parquet_schema(?) where name <> 'duckdb_schema' "
                                              "and num_children is null", [str(file.path)]).fetchall()]
    with _open_text(file) as fh:
        first = next(csv.reader(fh), None)
    return [c.strip() for c in first] if first else []


def check_schema(files: list[DeliveryFile]) -> dict[DeliveryFile, list[str]]:
    """Headers of every file, or SchemaDriftError naming each file and its missing columns."""
    headers: dict[DeliveryFile, list[str]] = {}
    problems: list[str] = []
    for f in files:
        try:
            header = read_header(f)
        except (OSError, EOFError, duckdb.Error) as exc:  # e.g. a .csv.gz that is not gzip
            problems.append(f"  {f.name}: cannot be read ({exc})")
            continue
        if not header:
            problems.append(f"  {f.name}: the file is empty (no header row); write the header or remove the file")
            continue
        positions = column_positions(f.table, header)
        lowered = [h.lower() for h in header]
        missing = [c for c in f.table.required_columns if c not in positions]
        duplicated = sorted({h for h in header if lowered.count(h.lower()) > 1})
        if missing:
            problems.append(f"  {f.name}: missing required column(s) {', '.join(missing)}")
        elif duplicated:
            problems.append(f"  {f.name}: column(s) named twice in the header (names match in any case): "
                            f"{', '.join(duplicated)}")
        headers[f] = header
    if problems:
        raise SchemaDriftError(
            "schema_drift: nothing was landed and nothing published changed, because these files do not "
            "have the columns of the extract contract (SPEC §1.2):\n" + "\n".join(problems)
            + "\nFix or remove the files and run again.")
    return headers


# ---------------------------------------------------------------------------------------------- storage

LANDED_FILES_KEY = ["load_id", "table_name", "file_name"]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table in BY_NAME.values():
        cols = ", ".join(f'"{c}" varchar' for c in table.columns)
        con.execute(f'create table if not exists raw."{table.name}" ({cols}, _file_name varchar not null, '
                    f"_row_number bigint not null, _load_id bigint not null, _row_hash varchar not null)")
    con.execute("""create table if not exists raw._loads (
        load_id bigint primary key, loaded_at timestamptz not null, raw_dir varchar not null,
        files_landed integer not null, rows_landed bigint not null)""")
    landed_files = """(
        load_id bigint not null, table_name varchar not null, file_name varchar not null,
        file_sha256 varchar not null, rows_delivered bigint not null, rows_landed bigint not null,
        rows_duplicate bigint not null, rows_unparseable bigint not null,
        primary key (load_id, table_name, file_name))"""
    con.execute(f"create table if not exists raw._landed_files {landed_files}")
    key = con.execute("select constraint_column_names from duckdb_constraints() where schema_name = 'raw' "
                      "and table_name = '_landed_files' and constraint_type = 'PRIMARY KEY'").fetchall()
    if key and list(key[0][0]) != LANDED_FILES_KEY:
        # a build file from before one file name could land the same content twice (A, B, A again): one row
        # per landing of a file now, so re-key the table (it is small: one row per file landed)
        con.execute("begin transaction")
        con.execute(f"create table raw._landed_files_rekeyed {landed_files}")
        con.execute("insert into raw._landed_files_rekeyed select * from raw._landed_files")
        con.execute("drop table raw._landed_files")
        con.execute("alter table raw._landed_files_rekeyed rename to _landed_files")
        con.execute("commit")
    con.execute("""create table if not exists raw._unparseable_rows (
        table_name varchar not null, file_name varchar not null, row_number bigint not null,
        raw_line varchar, error varchar not null, load_id bigint not null, record_id varchar)""")
    con.execute("""create table if not exists raw._ignored_files (
        load_id bigint not null, file_name varchar not null, reason_code varchar not null, reason varchar not null,
        file_sha256 varchar not null, file_bytes bigint not null)""")


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
    """The contract's columns from a CSV read with positional names c0, c1, … (header names in any case)."""
    positions = column_positions(table, header)
    return ", ".join(f'c{positions[c]} as "{c}"' if c in positions else f'null::varchar as "{c}"'
                     for c in table.columns)


def _positional_columns(header: list[str]) -> str:
    # positional names: the header's own spelling (case, quotes, a name given twice) never reaches SQL
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"


# ---------------------------------------------------------------------------------------------- reading

def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchall()[0][0])


class _Lines:
    """The physical lines of a text file, read on demand; lines before the last `release` are forgotten, so
    memory holds about one record (at most MAX_RECORD_LINES lines) whatever the file's size."""

    def __init__(self, fh: IO[str]):
        self._lines, self._buf, self._base = iter(fh), [], 0

    def get(self, k: int) -> str | None:
        while k - self._base >= len(self._buf):
            line = next(self._lines, None)
            if line is None:
                return None
            self._buf.append(line)
        return self._buf[k - self._base]

    def text(self, start: int, end: int) -> str:
        return "".join(self._buf[start - self._base:end - self._base])

    def release(self, k: int) -> None:
        if k - self._base > 4096:
            del self._buf[:k - self._base]
            self._base = k


def _parse_record(lines: _Lines, k: int) -> tuple[list[str] | None, str | None, int]:
    """The CSV record starting at physical line k: (fields or None, syntax error or None, next line)."""
    first = lines.get(k)
    if '"' not in first:
        return first.rstrip("\r\n").split(","), None, k + 1
    taken = 0

    def feed() -> Iterator[str]:
        nonlocal taken
        while taken < MAX_RECORD_LINES and (line := lines.get(k + taken)) is not None:
            taken += 1
            yield line

    try:
        return next(csv.reader(feed(), strict=True)), None, k + taken
    except csv.Error as exc:
        if taken >= MAX_RECORD_LINES:
            return None, f"CSV syntax: a quoted field runs over more than {MAX_RECORD_LINES:,} lines", k + taken
        if str(exc) == "unexpected end of data":
            return None, "CSV syntax: a quoted field is not closed before the end of the file", k + taken
        return None, f"CSV syntax: {exc}", k + taken


def _records(lines: _Lines, width: int, *, header: bool = True,
             pad: bool = False) -> Iterator[tuple[list[str] | None, str | None, str]]:
    """(fields, error, original text) of every record after the header (`header=False`: every record); blank
    lines are not records. `pad`: a record with fewer than `width` fields is valid (Synapse Link: columns added
    later), only more is an error.

    A record that fails (broken quoting, or not `width` fields) after its quoted field ran past a newline is
    resynchronised: when a later line it swallowed starts a valid record, the broken record is its first
    physical line alone and reading goes on with the next line — one unbalanced quote costs one record, not the
    records after it. When none of the swallowed lines starts a valid record, the lines are one bad record."""
    memo: dict[int, tuple[list[str] | None, str | None, int]] = {}

    def parse(k: int) -> tuple[list[str] | None, str | None, int]:
        if k not in memo:
            memo[k] = _parse_record(lines, k)
        return memo[k]

    def wrong_width(fields: list[str]) -> bool:
        return len(fields) > width if pad else len(fields) != width

    def valid(k: int) -> bool:
        fields, error, _ = parse(k)
        return error is None and not wrong_width(fields)

    k = _parse_record(lines, 0)[2] if header else 0  # the header, already checked
    while (line := lines.get(k)) is not None:
        if not line.strip("\r\n"):
            k += 1
            continue
        fields, error, end = memo.pop(k, None) or _parse_record(lines, k)
        if error is None and wrong_width(fields):
            error = (f"expected {'at most ' if pad else ''}{width} fields as in the "
                     f"{'model.json' if pad else 'header'}, found {len(fields)}")
        if error and end - k > 1 and any(lines.get(j).strip("\r\n") and valid(j) for j in range(k + 1, end)):
            fields, end = None, k + 1
            error = ("CSV syntax: unbalanced quote: a quoted field opened on this line is not closed on it "
                     "(the lines after it were read as records of their own)")
        if fields is None:  # what the line says, read leniently, for the record id: its last field may be the
            fields = next(csv.reader([line]), [])[:-1]  # unclosed quoted one, holding the rest of the line
        yield fields, error, lines.text(k, end).rstrip("\r\n")
        k = end
        if memo:
            for j in [j for j in memo if j < k]:
                del memo[j]
        lines.release(k)


def _has_surrogate(value: str) -> bool:
    """True when the text holds bytes that were not UTF-8 (decoded with surrogateescape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_parquet(con: duckdb.DuckDBPyConnection, f: DeliveryFile, header: list[str]) -> None:
    positions = column_positions(f.table, header)
    quoted = {c: '"' + header[i].replace('"', '""') + '"' for c, i in positions.items()}
    cols = ", ".join(f'cast({quoted[c]} as varchar) as "{c}"' if c in quoted else f'null::varchar as "{c}"'
                     for c in f.table.columns)
    con.execute(f"create or replace temp table batch as select file_row_number + 1 as _row_number, {cols} "
                f"from read_parquet(?, file_row_number=true)", [str(f.path)])


# ---------------------------------------------------------------------------------------------- CSV with DuckDB

# DuckDB's reject types (reject_errors.error_type), most telling first: one record may have several rows
QUOTE_ERRORS = ("UNQUOTED VALUE", "LINE SIZE OVER MAXIMUM")
WIDTH_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")
ENCODING_ERROR = "INVALID ENCODING"
UNBALANCED = ("CSV syntax: unbalanced quote: a quoted field opened on this line is not closed on it "
              "(the lines after it were read as records of their own)")


@dataclass
class _Source:
    """What one DuckDB read covers of a delivered CSV file: the file itself (with its header), or, after a record
    whose quote never closed, the rest of the file copied to a plain headerless temp file, numbered on from
    `offset`."""

    file: DeliveryFile
    path: Path
    header: bool
    compression: str
    offset: int = 0


@dataclass
class _Reject:
    line: int  # DuckDB's line number: the records and blank lines up to this record, header included
    error_type: str
    message: str
    text: str  # the record as written, without its line break
    line_break_at_end: bool  # DuckDB read through the record's last line break: a quote open to the end of the file


def _csv_options(width: int, header: bool, compression: str) -> str:
    return (f"columns={_positional_columns(['c'] * width)}, header={str(header).lower()}, auto_detect=false, "
            f"delim=',', quote='\"', escape='\"', strict_mode=true, null_padding=false, store_rejects=true, "
            f"encoding='utf-8', compression='{compression}', filename=true")


def _rejects(con: duckdb.DuckDBPyConnection, after_scan: int) -> dict[str, list[_Reject]]:
    """The records DuckDB rejected in the scans after `after_scan`, per file path, in file order (one per record:
    a record short of two columns has a row per missing column)."""
    rows = con.execute("""
        select s.file_path, e.line, e.error_type, e.error_message, e.csv_line, e.column_idx
        from reject_errors e join reject_scans s on s.scan_id = e.scan_id and s.file_id = e.file_id
        where e.scan_id > ? order by 1, 2""", [after_scan]).fetchall()
    rank = {t: i for i, t in enumerate((*QUOTE_ERRORS, *WIDTH_ERRORS, ENCODING_ERROR))}
    best: dict[tuple[str, int], tuple] = {}
    for path, line, error_type, message, text, column in rows:
        key = (rank.get(error_type, len(rank)), column or 0)
        if (path, line) not in best or key < best[(path, line)][0]:
            best[(path, line)] = (key, error_type, message, text or "")
    out: dict[str, list[_Reject]] = {}
    for (path, line), (_, error_type, message, text) in sorted(best.items()):
        if text.startswith("\n"):  # CRLF files: DuckDB's text starts at the \n of the line break before
            text = text[1:]
        out.setdefault(path, []).append(_Reject(line, error_type, message, text.rstrip("\r\n"), text.endswith("\n")))
    return out


def _last_scan(con: duckdb.DuckDBPyConnection) -> int:
    if not _has(con, "reject_scans"):
        return 0
    return con.execute("select coalesce(max(scan_id), 0) from reject_scans").fetchall()[0][0]


def _opens_records(text: str, width: int, work: Path) -> bool:
    """True when DuckDB reads at least one valid record from `text` (the lines a broken quote swallowed)."""
    probe = work / "swallowed.csv"
    probe.write_bytes(text.encode("utf-8", "replace") + b"\n")
    with duckdb.connect() as con:
        return con.execute(f"select count(*) from read_csv(?, {_csv_options(width, False, 'none')})",
                           [str(probe)]).fetchall()[0][0] > 0


def _files_with_inner_blank_lines(con: duckdb.DuckDBPyConnection, sources: list[_Source]) -> set[str]:
    """The files among `sources` with a blank line before a later line: DuckDB counts those in its line numbers
    and not as records, so their rejected records are located line by line (`_locate`)."""
    if not sources:
        return set()
    rows = con.execute(f"""
        with lines as (select filename as f, row_number() over () as n, l
                       from read_csv(?, columns={{'l': 'VARCHAR'}}, header=false, auto_detect=false, delim='\x01',
                                     quote='', escape='', ignore_errors=true, filename=true,
                                     compression='{sources[0].compression}'))
        select f from lines group by f
        having min(n) filter (where l is null) < max(n) filter (where l is not null)""",
                       [[str(s.path) for s in sources]]).fetchall()
    return {r[0] for r in rows}


def _physical_lines(source: _Source) -> IO[bytes]:
    return gzip.open(source.path, "rb") if source.compression == "gzip" else open(source.path, "rb")


def _locate(source: _Source, extents: dict[int, int]) -> dict[int, tuple[int, int]]:
    """DuckDB line numbers of rejected records (with how many physical lines each spans) → (data row number,
    physical line where the record starts), following DuckDB's counting: a blank line outside quotes is a line
    and no record; a quoted field runs over line breaks."""
    found: dict[int, tuple[int, int]] = {}
    lines = records = skip = 0
    in_quote = False
    with _physical_lines(source) as fh:
        for physical, text in enumerate(fh, 1):
            if skip:
                skip -= 1
                continue
            if in_quote:
                in_quote = text.count(b'"') % 2 == 0
                continue
            lines += 1
            if not text.strip(b"\r\n"):
                continue
            records += 1
            if lines in extents:
                found[lines] = (records - int(source.header), physical)
                skip = extents[lines] - 1  # the rejected record's own lines; it ends with its text
                if len(found) == len(extents):
                    break
            else:
                in_quote = text.count(b'"') % 2 == 1
    return found


def _reason(reject: _Reject, width: int, fields: list[str]) -> str:
    if reject.error_type in WIDTH_ERRORS:  # DuckDB stops counting at the first field too many: count them all
        return f"expected {width} fields as in the header, found {len(fields)}"
    if reject.error_type == ENCODING_ERROR:
        return "invalid UTF-8"
    if reject.error_type == "UNQUOTED VALUE":
        return ("CSV syntax: a quoted field is not closed before the end of the file" if reject.line_break_at_end
                else "CSV syntax: a quoted field is not closed properly (a quote inside it is not doubled, or text "
                     "follows its closing quote)")
    if reject.error_type == "LINE SIZE OVER MAXIMUM":
        return "CSV syntax: the record is longer than DuckDB's maximum line size (2 MB): is a quote not closed?"
    return f"CSV syntax: {reject.message}"


def _record_id(table: Table, header: list[str], fields: list[str]) -> str | None:
    """The bad record's id as written, when it still has the key column(s) (and they did not run into the next
    line)."""
    positions = column_positions(table, header)
    key_at = [positions[c] for c in table.key if c in positions]
    parts = [fields[i] for i in key_at if i < len(fields)]
    record_id = "|".join(parts) if parts and len(parts) == len(key_at) and all(parts) else None
    return None if record_id is None or "\n" in record_id or "\r" in record_id else record_id


def _fields(text: str, first_line_only: bool) -> list[str]:
    """The fields of a rejected record's text (only for its id); a record cut at its first line drops its last,
    unclosed, field."""
    if first_line_only:
        return next(csv.reader([text.split("\n", 1)[0]]), [])[:-1]
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return next(csv.reader([text.split("\n", 1)[0]]), [])[:-1]


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, files: list[DeliveryFile], header: list[str],
              load_id: int) -> dict[str, int]:
    """CSV files with one header layout and compression → `table_batch` in one DuckDB read; the records DuckDB
    rejects → raw._unparseable_rows with file, 1-based data row number, text and reason. Returns the unparseable
    records per file name.

    DuckDB numbers a rejected record by its line (records and blank lines, header included): without blank lines
    that is the data row number + 1, else the file is walked line by line (`_locate`). A good row's number is its
    position among the good rows plus the rejected records before it. A record whose quote never closes swallows
    the lines after it (DuckDB reads on to the next quote, or the end of the file): when those lines hold a valid
    record, the broken record is its first line alone and the rest of the file is read again from the next line —
    one unbalanced quote costs one record, not the records after it."""
    width = len(header)
    select = _select_contract_columns(table, header)
    counts = {f.name: 0 for f in files}
    sources = [_Source(f, f.path, True, f.compression) for f in files]
    with tempfile.TemporaryDirectory(prefix="fieldledger-landing-") as work:
        round_ = 0
        while sources:
            round_ += 1
            after = _last_scan(con)
            con.execute("create or replace temp table csv_sources (_path varchar, _name varchar, _offset bigint)")
            con.executemany("insert into csv_sources values (?, ?, ?)",
                            [(str(s.path), s.file.name, s.offset) for s in sources])
            con.execute(f"""create or replace temp table csv_read as
                select row_number() over () as _position, filename as _path, {select}
                from read_csv(?, {_csv_options(width, sources[0].header, sources[0].compression)})""",
                        [[str(s.path) for s in sources]])
            rejects = _rejects(con, after)
            by_path = {str(s.path): s for s in sources}
            blanks = _files_with_inner_blank_lines(con, [s for s in sources if str(s.path) in rejects and s.header])
            bad_rows: list[tuple] = []  # (path, data row number in this read)
            kept: list[tuple] = []  # (path, good rows to keep): the rows before a broken quote
            quarantine: list[tuple] = []
            tails: list[_Source] = []
            for path, found in rejects.items():
                source = by_path[path]
                split = next((i for i, r in enumerate(found) if "\n" in r.text
                              and _opens_records(r.text.split("\n", 1)[1], width, Path(work))), None)
                mine = found if split is None else found[:split + 1]
                if path in blanks or not source.header or split is not None:
                    where = _locate(source, {r.line: r.text.count("\n") + 1 for r in mine})
                else:
                    where = {r.line: (r.line - 1, 0) for r in mine}
                for i, r in enumerate(mine):
                    row = where[r.line][0]
                    broken = i == split
                    text = r.text.split("\n", 1)[0].rstrip("\r") if broken else r.text
                    fields = _fields(r.text, broken or r.error_type in QUOTE_ERRORS)
                    reason = UNBALANCED if broken else _reason(r, width, fields)
                    bad_rows.append((path, row))
                    quarantine.append((table.name, source.file.name, source.offset + row, text, reason, load_id,
                                       _record_id(table, header, fields)))
                if split is not None:
                    row, physical = where[found[split].line]
                    kept.append((path, row - 1 - split))
                    tail = Path(work) / f"tail-{round_}-{len(tails)}.csv"
                    with _physical_lines(source) as fh, open(tail, "wb") as out:
                        for _ in itertools.islice(fh, physical):
                            pass
                        shutil.copyfileobj(fh, out)
                    tails.append(_Source(source.file, tail, False, "none", source.offset + row))
                counts[source.file.name] += len(mine)
            con.execute("create or replace temp table csv_bad (_path varchar, _row bigint)")
            con.execute("create or replace temp table csv_kept (_path varchar, _keep bigint)")
            if bad_rows:
                con.executemany("insert into csv_bad values (?, ?)", bad_rows)
            if kept:
                con.executemany("insert into csv_kept values (?, ?)", kept)
            if quarantine:
                con.executemany("insert into raw._unparseable_rows values (?, ?, ?, ?, ?, ?, ?)", quarantine)
            cols = ", ".join(f'g."{c}"' for c in table.columns)
            # a good row's number: its position among the good rows of its file plus the rejected records before
            # it; rejected record j comes before good row k when fewer than k good rows precede it (row_j - j < k)
            con.execute(f"""insert into table_batch
                with firsts as (select _path, min(_position) as _first from csv_read group by all),
                g as (select r.*, r._position - f._first + 1 as _k from csv_read r join firsts f on f._path = r._path),
                b as (select _path, _row - row_number() over (partition by _path order by _row) as _gap,
                             row_number() over (partition by _path order by _row) as _j from csv_bad),
                before as (select _path, _gap, max(_j) as _j from b group by all)
                select s._name, s._offset + g._k + coalesce(before._j, 0), {cols}
                from g join csv_sources s on s._path = g._path
                asof left join before on before._path = g._path and g._k > before._gap
                left join csv_kept k on k._path = g._path
                where k._keep is null or g._k <= k._keep""")
            con.execute("drop table csv_read")  # memory for the next read
            sources = tails
    return counts


# ---------------------------------------------------------------------------------------------- landing

def _land_table(con: duckdb.DuckDBPyConnection, table: Table, outcomes: list[FileOutcome], load_id: int) -> None:
    """Add the rows of `table_batch` (new files of one table): one anti-join per batch of files (at most
    BATCH_BYTES of files: one per table at 1M lines), not per file, so landing stays linear in the rows delivered."""
    target = f'raw."{table.name}"'
    cols = ", ".join(f'"{c}"' for c in table.columns)
    # the content hash once, in SQL; repeated contents found by one aggregate instead of a window over every row
    con.execute(f"create or replace temp table batch_hashed as select *, {_row_hash_sql(table)} as _row_hash "
                f"from table_batch")
    con.execute("drop table table_batch")
    if table.transactional:
        # a row version is its content: one already in raw, from any file, is a duplicate (R2); within the batch
        # the first by file and row number lands
        key, first, new = "_row_hash", "min(row(_file_name, _row_number))", (
            f"not exists (select 1 from {target} r where r._row_hash = b._row_hash)")
        other = "d._first <> row(b._file_name, b._row_number)"
    else:
        # a setup table is a snapshot without versions: a new content of a file is the newer version of every
        # row in it, so all its rows land under this load id (only a row repeated within the file is a duplicate)
        key, first, new = "_file_name, _row_hash", "min(_row_number)", "true"
        other = "d._file_name = b._file_name and d._first <> b._row_number"
    con.execute(f"""
        insert into {target} ({cols}, _file_name, _row_number, _load_id, _row_hash)
        with repeated as (select {key}, {first} as _first from batch_hashed group by all having count(*) > 1)
        select {cols}, _file_name, _row_number, ?, _row_hash from batch_hashed b
        where {new} and not exists (select 1 from repeated d where d._row_hash = b._row_hash and {other})""",
                [load_id])
    names = [o.file_name for o in outcomes]
    delivered = dict(con.execute("select _file_name, count(*) from batch_hashed group by 1").fetchall())
    con.execute("drop table batch_hashed")
    landed = dict(con.execute(f"select _file_name, count(*) from {target} where _load_id = ? "
                              f"and _file_name in (select unnest(?::varchar[])) group by 1",
                              [load_id, names]).fetchall())
    for out in outcomes:
        out.rows_landed = landed.get(out.file_name, 0)
        out.rows_delivered = delivered.get(out.file_name, 0) + out.rows_unparseable + out.rows_superseded
        out.rows_duplicate = out.rows_delivered - out.rows_unparseable - out.rows_landed


def _read_files(con: duckdb.DuckDBPyConnection, table: Table, files: list[DeliveryFile],
                headers: dict[DeliveryFile, list[str]], load_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """The files into a fresh `table_batch` (CSV files with one header layout and compression in one DuckDB read,
    Parquet one at a time, Dataverse export files by orchestration/dataverse.py).
    Returns the unparseable records and the superseded retried Dataverse writes per file."""
    cols = ", ".join(f'"{c}" varchar' for c in table.columns)
    con.execute(f"create or replace temp table table_batch (_file_name varchar, _row_number bigint, {cols})")
    unparseable: dict[str, int] = {}
    groups: dict[tuple, list[DeliveryFile]] = {}
    for f in files:
        if f.fmt == "csv":
            positions = column_positions(table, headers[f])
            layout = (len(headers[f]), tuple(positions.get(c) for c in table.columns), f.compression)
            groups.setdefault(layout, []).append(f)
    for members in groups.values():
        unparseable.update(_read_csv(con, table, members, headers[members[0]], load_id))
    for f in files:
        if f.fmt == "parquet":
            _read_parquet(con, f, headers[f])
            con.execute("insert into table_batch select ?, * from batch", [f.name])
    superseded: dict[str, int] = {}
    exported = [f for f in files if f.detail is not None]
    if exported:
        from orchestration import dataverse

        more, superseded = dataverse.read_files(con, table, exported, load_id)
        unparseable.update(more)
    return unparseable, superseded


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


def files_to_land(files: list[DeliveryFile], last_landed: dict[tuple[str, str], str],
                  report: LandingReport) -> list[tuple[DeliveryFile, str]]:
    """The files (with their sha256) whose content differs from the one their name last landed with; the same
    content again is skipped and said so in `report`. Another content lands, even one the name had before (a
    snapshot changed back is the newer version)."""
    todo = []
    for f in files:
        sha = file_sha256(f.path)
        if last_landed.get((f.table.name, f.name)) == sha:
            report.files.append(FileOutcome(f.table.name, f.name, skipped=True))
        else:
            todo.append((f, sha))
    return todo


def new_ignored(ignored: list[IgnoredFile], listed: set[tuple]) -> list[tuple]:
    """The ignored files not yet `listed` in raw._ignored_files (same name, reason and content): re-running a
    delivery lists nothing twice."""
    out = []
    for i in ignored:
        sha = file_sha256(i.path)
        if (i.name, i.reason_code, sha) not in listed:
            out.append((i.name, i.reason_code, i.reason, sha, i.path.stat().st_size))
    return out


def land(raw_dir: Path, db_path: Path, progress: Progress = print) -> LandingReport:
    """Land a delivery folder into the raw schema of `db_path` (created if missing), a batch of files per
    transaction. Nothing is written when a file's header lacks required columns."""
    started = time.monotonic()
    files, ignored = discover(raw_dir, progress)
    headers = check_schema(files)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = LandingReport(load_id=None, ignored=[i.name for i in ignored], ignored_files=ignored)
    for i in ignored:
        progress(f"landing: ignored {i.name}: {i.reason}")
    with duckdb.connect(str(db_path)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        # spill to disk beside the warehouse rather than run out of memory on a large delivery
        con.execute("set temp_directory = ?", [str(db_path.parent / ".landing-tmp")])
        con.execute(f"set memory_limit = '{LANDING_MEMORY}'")
        ensure_raw_schema(con)
        last_landed = {(t, n): s for t, n, s in con.execute(
            "select table_name, file_name, arg_max(file_sha256, load_id) from raw._landed_files group by all"
        ).fetchall()}
        todo = files_to_land(files, last_landed, report)
        to_list = new_ignored(ignored, {tuple(r) for r in con.execute(
            "select file_name, reason_code, file_sha256 from raw._ignored_files").fetchall()})
        if not todo and not to_list:
            progress(f"landing: {len(files)} file(s) in {raw_dir}, all landed before: nothing to do")
            report.seconds = time.monotonic() - started
            return report
        load_id = con.execute("select coalesce(max(load_id), 0) + 1 from raw._loads").fetchall()[0][0]
        con.execute("begin transaction")
        con.execute("insert into raw._loads values (?, now(), ?, 0, 0)", [load_id, str(raw_dir)])
        if to_list:
            con.executemany("insert into raw._ignored_files values (?, ?, ?, ?, ?, ?)",
                            [(load_id, *row) for row in to_list])
        con.execute("commit")
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
                    unparseable, superseded = _read_files(con, BY_NAME[name], [f for f, _ in files], headers,
                                                          load_id)
                    outcomes = [FileOutcome(name, f.name, rows_unparseable=unparseable.get(f.name, 0),
                                            rows_superseded=superseded.get(f.name, 0)) for f, _ in files]
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
