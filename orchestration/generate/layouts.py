"""The same generated history as Dataverse exports it (SPEC §1.4): Azure Synapse Link CSV, or Delta tables.

The CSV delivery the generator writes is rewritten, row version by row version, so that landing any of the three
gives the same raw rows (orchestration/dataverse.py turns the Dataverse text forms back into the contract's):

- **synapse** — the incremental folder structure: a root `model.json`; one timestamped folder per day of the
  history (`2026-01-05T00.00.00Z/`, the day's daily files; the first also holds the setup tables, the initial
  sync), each with its own `model.json` and headerless partitions `<table>/<createdon month>.csv` (setup tables:
  year), split every SPLIT_ROWS records (`2026-01_001.csv`); `Changelog/changelog.info` names the folder after
  the last day, still open and empty. Columns are in Dataverse's order (`Id`, `SinkCreatedOn`, `SinkModifiedOn`,
  the key, the other columns by name, `createdon`, `versionnumber`, `modifiedon`, `IsDelete`), booleans `True`/
  `False`, `IsDelete` `True` or empty, `createdon` as datetimeOffset (`2026-01-05T09:10:00.0000000+00:00`),
  `SinkModifiedOn` as `1/5/2026 9:11:00 AM`. From the middle of the history work order products have one more
  column, `msdyn_internalnote`, at the end: rows of records created before it have one field less.
- **delta** — `deltalake/<table>_partitioned/`, current-state Delta tables partitioned by `PartitionId` (createdon
  year): the setup tables in one commit, then one commit per day and round (a record changed twice in a day is in
  two commits, so that every version is in one). A commit rewrites the files holding the records it changes
  (copy on write, one file per partition and creation week), as a MERGE does; a delete is a soft delete
  (`IsDelete` true). Version numbers and option-set codes are `long`, booleans `boolean`, the Sink columns
  `timestamp`; the other columns stay text, so that the history's bad values (a quantity `12,5x`, a date
  `2026-13-40`) survive. Records that do not parse (unparseable_row) are a defect of a text file that a Delta table
  cannot hold: they are left out (`_generator/summary.json`: layout.rows_not_written).
  Copy on write keeps every version of every file, as a table not yet vacuumed does: the layout is sized for test
  histories (20k lines: about 30 s to write, 100 MB), not for the benchmark's millions.

The answer key (`_generator/expected_rejections.csv`) names the rows' new files and row numbers.
"""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import TABLES, Table

from .csv_files import EXPECTED_REJECTIONS, GENERATOR_DIR, REJECTION_COLUMNS
from .formats import DAY, date_of

LAYOUTS = ("csv", "synapse", "delta")
SPLIT_ROWS = 500  # records per Synapse partition file before a `_001` split
ADDED_LATER = ("msdyn_workorderproduct", "msdyn_internalnote")  # a column Dataverse adds mid-history
UNPARSEABLE = "unparseable_row"
NAMESPACE = uuid.UUID("6f1d2c3b-5a4e-4f60-9b7a-0c1d2e3f4a5b")
ACCOUNT_URL = "https://fieldledger.dfs.core.windows.net/dataverse-fieldledger-demo"
OPTION_SETS = frozenset({"msdyn_systemstatus", "msdyn_linestatus", "msdyn_fieldserviceproducttype", "msdyn_module",
                         "pricingmethodcode", "msdyn_billingmethod", "msdyn_invoicestatus", "msdyn_recordstage",
                         "msdyn_projectinvoicestatus", "msdyn_psastate"})
BOOLEANS = frozenset({"msdyn_flatfee", "msdyn_includematerial", "msdyn_includetime"})
DATETIMES = frozenset({"modifiedon", "msdyn_completedon", "msdyn_approvedon", "begindate", "enddate", "validfrom",
                       "msdyn_billingstartdate", "msdyn_invoicedate", "msdyn_actualend"})
DECIMALS = frozenset({"price", "standardcost", "currentcost", "amount", "percentage", "msdyn_estimatequantity",
                      "msdyn_quantity", "msdyn_qtytobill", "msdyn_unitamount", "msdyn_unitcost",
                      "msdyn_discountpercent", "msdyn_additionalcost", "msdyn_commissioncosts",
                      "msdyn_estimateduration", "msdyn_duration", "msdyn_durationtobill", "extendedamount",
                      "msdyn_nottoexceedlimit", "msdyn_amount", "msdyn_minimumchargeduration",
                      "msdyn_minimumchargeamount", "msdyn_roundingto", "rate", "rate_percent"})


def cdm_type(column: str, table: Table) -> str:
    """The CDM dataType Synapse Link gives a contract column."""
    if column == "versionnumber" or column in OPTION_SETS:
        return "int64"
    if column in BOOLEANS:
        return "boolean"
    if column == "createdon":
        return "dateTimeOffset"
    if column in DATETIMES:
        return "dateTime"
    if column in DECIMALS:
        return "decimal"
    if column in table.key:
        return "guid"
    return "string"


def attributes(table: Table) -> list[tuple[str, str]]:
    """(name, CDM dataType) of a table's columns in the order Synapse Link writes them."""
    tail = [c for c in ("createdon", "versionnumber", "modifiedon") if c in table.columns]
    keys = [c for c in table.key if c in table.columns]
    rest = sorted(c for c in table.columns if c not in (*tail, *keys, "isdelete"))
    return ([("Id", "guid"), ("SinkCreatedOn", "dateTime"), ("SinkModifiedOn", "dateTime")]
            + [(c, cdm_type(c, table)) for c in (*keys, *rest, *tail)] + [("IsDelete", "boolean")])


# ---------------------------------------------------------------------------------------------- the history

@dataclass
class Version:
    """One delivered row of the CSV history, where it was and what it is."""

    table: Table
    day: int  # of its daily file (setup tables: the first day)
    source: tuple[str, int]  # (file name, data row number) in the CSV delivery
    fields: list[str]  # as delivered; an unparseable record may have more or fewer than the columns
    unparseable: bool

    def value(self, column: str) -> str:
        if column not in self.table.columns:
            return ""
        i = self.table.columns.index(column)
        return self.fields[i] if i < len(self.fields) else ""


@dataclass
class Record:
    """What Dataverse knows of a record across the history: its id, creation and partition."""

    id: str
    first_day: int
    created: int  # seconds
    partition_day: int


@dataclass
class History:
    csv_dir: Path
    days: list[int]
    cutoff_day: int
    rejections: list[dict]
    unparseable: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    def read(cls, csv_dir: Path, cutoff_day: int) -> History:
        with open(csv_dir / GENERATOR_DIR / EXPECTED_REJECTIONS, newline="", encoding="utf-8") as fh:
            rejections = list(csv.DictReader(fh))
        days = sorted({_day_of(p.stem) for t in TABLES if t.transactional and (csv_dir / t.name).is_dir()
                       for p in (csv_dir / t.name).glob("*.csv")})
        history = cls(csv_dir, days, cutoff_day, rejections)
        history.unparseable = {(r["file_name"], int(r["row_number"])) for r in rejections
                               if r["reason_code"] == UNPARSEABLE}
        return history

    def setup(self) -> Iterator[tuple[Table, list[Version]]]:
        for table in TABLES:
            path = self.csv_dir / f"{table.name}.csv"
            if not table.transactional and path.is_file():
                yield table, self._versions(table, path, self.days[0], path.name)

    def day(self, day: int) -> Iterator[tuple[Table, list[Version]]]:
        for table in TABLES:
            path = self.csv_dir / table.name / f"{date_of(day).isoformat()}.csv"
            if table.transactional and path.is_file():
                yield table, self._versions(table, path, day, f"{table.name}/{path.name}")

    def _versions(self, table: Table, path: Path, day: int, name: str) -> list[Version]:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))[1:]
        return [Version(table, day, (name, n), fields, (name, n) in self.unparseable)
                for n, fields in enumerate(rows, 1)]


def _day_of(iso: str) -> int:
    return (datetime.fromisoformat(iso).date() - date_of(0)).days


def _seconds(text: str) -> int | None:
    """Seconds since the epoch of an ISO-8601 UTC timestamp, None when it is none (a bad date of the history)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None or "T" not in text:
        return None
    return int(value.timestamp())


def _key(version: Version) -> str:
    """The record's Dataverse Id: its key column, or a stable GUID of a composite key."""
    table = version.table
    if len(table.key) == 1:
        return version.value(table.key[0])
    own = f"{table.name}id"
    if own in table.columns and version.value(own):
        return version.value(own)
    return str(uuid.uuid5(NAMESPACE, "|".join([table.name, *(version.value(c) for c in table.key)])))


def sink_time(version: Version) -> int:
    """When the row was written to the lake: in its day's interval, a minute after its modifiedon's time of day
    (rows of one record and version written together share it, so a retried write is not told apart by it)."""
    modified = _seconds(version.value("modifiedon")) if "modifiedon" in version.table.columns else None
    in_day = modified % DAY if modified is not None else 12 * 3600
    return version.day * DAY + min(in_day + 60, DAY - 1)


class Records:
    """Per table, the records seen so far (their first sighting fixes SinkCreatedOn and the partition)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], Record] = {}

    def of(self, version: Version) -> Record:
        rid = _key(version)
        if not rid:  # a row without an id (missing_required): a record of its own
            return Record("", version.day, sink_time(version), version.day)
        record = self.seen.get((version.table.name, rid))
        if record is None:
            created = _seconds(version.value("createdon")) if "createdon" in version.table.columns else None
            if created is None and version.table.transactional:
                created = _seconds(version.value("modifiedon"))
            partition_day = created // DAY if created is not None else version.day
            record = self.seen[(version.table.name, rid)] = Record(rid, version.day, sink_time(version),
                                                                   partition_day)
        return record


def us_time(seconds: int) -> str:
    """M/d/yyyy h:mm:ss AM, as Synapse Link writes SinkCreatedOn and SinkModifiedOn."""
    t = datetime.fromtimestamp(seconds, tz=UTC)
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t.year} {hour}:{t.minute:02d}:{t.second:02d} {'AM' if t.hour < 12 else 'PM'}"


def _offset_time(text: str) -> str:
    """A valid ISO UTC timestamp as datetimeOffset with 7 fractional digits; anything else as it is."""
    seconds = _seconds(text)
    if seconds is None:
        return text
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + ".0000000+00:00"


def folder_name(day: int) -> str:
    return f"{date_of(day).isoformat()}T00.00.00Z"


def _write_key(out: Path, rejections: list[dict], where: dict[tuple[str, int], tuple[str, int] | None]) -> int:
    """The answer key with the rows' new file names and row numbers; rows a layout cannot hold are left out."""
    folder = out / GENERATOR_DIR
    folder.mkdir(parents=True, exist_ok=True)
    left_out = 0
    with open(folder / EXPECTED_REJECTIONS, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(REJECTION_COLUMNS)
        for r in rejections:
            target = where.get((r["file_name"], int(r["row_number"])))
            if target is None:
                left_out += 1
                continue
            writer.writerow((r["table_name"], target[0], target[1], r["record_id"], r["reason_code"]))
    return left_out


# ---------------------------------------------------------------------------------------------- Synapse Link CSV

def _cell(value: str, kind: str) -> str:
    if value == "":
        return ""
    if kind in ("string", "dateTime", "dateTimeOffset") or any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _synapse_fields(version: Version, record: Record, attrs: list[tuple[str, str]]) -> list[str]:
    cells = []
    for name, kind in attrs:
        if name == "Id":
            value = record.id
        elif name == "SinkCreatedOn":
            value = us_time(record.created)
        elif name == "SinkModifiedOn":
            value = us_time(sink_time(version))
        elif name == "IsDelete":
            value = "True" if version.value("isdelete").lower() == "true" else ""
        elif name not in version.table.columns:
            value = ""
        else:
            value = version.value(name)
            if kind == "boolean" and value.lower() in ("true", "false"):
                value = value.capitalize()
            elif kind == "dateTimeOffset":
                value = _offset_time(value)
        cells.append(_cell(value, kind))
    return cells


class _Partitions:
    """The partition files of one timestamped folder, split every SPLIT_ROWS records."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows: Counter[tuple[str, str]] = Counter()
        self.handles: dict[str, object] = {}
        self.written: dict[str, list[str]] = defaultdict(list)  # entity → partition names

    def add(self, table: str, partition: str, line: str) -> tuple[str, int]:
        n = self.rows[(table, partition)]
        self.rows[(table, partition)] += 1
        split, row = divmod(n, SPLIT_ROWS)
        name = partition if split == 0 else f"{partition}_{split:03d}"
        handle = self.handles.get(f"{table}/{name}")
        if handle is None:
            (self.folder / table).mkdir(parents=True, exist_ok=True)
            handle = self.handles[f"{table}/{name}"] = open(self.folder / table / f"{name}.csv", "w",
                                                            encoding="utf-8", newline="")
            self.written[table].append(name)
        handle.write(line + "\r\n")
        return f"{self.folder.name}/{table}/{name}.csv", row + 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def _model(entities: dict[str, list[tuple[str, str]]], partitions: dict[str, list[str]], prefix: str,
           granularity: dict[str, str]) -> dict:
    return {
        "name": "cdm", "description": "cdm", "version": "1.0",
        "entities": [{
            "$type": "LocalEntity", "name": name, "description": name,
            "annotations": [{"name": "Athena:PartitionGranularity", "value": granularity[name]},
                            {"name": "Athena:InitialSyncState", "value": "Completed"}],
            "attributes": [{"name": a, "dataType": kind, "maxLength": -1} for a, kind in attrs],
            "partitions": [{"name": p, "location": f"{ACCOUNT_URL}/{prefix}{name}/{p}.csv"}
                           for p in partitions.get(name, [])],
        } for name, attrs in entities.items()],
    }


def write_synapse(history: History, out: Path) -> dict:
    records = Records()
    granularity = {t.name: "Month" if t.transactional else "Year" for t in TABLES}
    base = {t.name: attributes(t) for t in TABLES}
    added_day = history.days[len(history.days) // 2]
    where: dict[tuple[str, int], tuple[str, int] | None] = {}
    files = 0
    for i, day in enumerate(history.days):
        folder = out / folder_name(day)
        folder.mkdir(parents=True, exist_ok=True)
        entities = {name: list(attrs) for name, attrs in base.items()}
        if day >= added_day:
            entities[ADDED_LATER[0]].append((ADDED_LATER[1], "string"))
        parts = _Partitions(folder)
        content = [*history.setup(), *history.day(day)] if i == 0 else list(history.day(day))
        for table, versions in content:
            attrs = entities[table.name]
            for v in versions:
                record = records.of(v)
                cells = _synapse_fields(v, record, attrs)
                if v.unparseable:
                    cells += ["", '"unexpected"']  # too many fields, whatever the record lacked
                elif len(attrs) > len(base[table.name]) and record.first_day < added_day:
                    cells = cells[:len(base[table.name])]  # written before the column existed: one field less
                when = date_of(record.partition_day)
                partition = f"{when.year}-{when.month:02d}" if granularity[table.name] == "Month" else f"{when.year}"
                where[v.source] = parts.add(table.name, partition, ",".join(cells))
        parts.close()
        files += sum(len(p) for p in parts.written.values())
        if i == 0:
            options = folder / "OptionsetMetadata"
            options.mkdir(exist_ok=True)
            (options / "GlobalOptionsetMetadata.csv").write_text(
                "msdyn_linestatus,690970000,False,1033,\"Estimated\",msdyn_linestatus,msdyn_workorderproduct\r\n"
                "msdyn_linestatus,690970001,False,1033,\"Used\",msdyn_linestatus,msdyn_workorderproduct\r\n",
                encoding="utf-8")
        (folder / "model.json").write_text(json.dumps(_model(entities, parts.written, f"{folder.name}/",
                                                             granularity), indent=1), encoding="utf-8")
    open_folder = folder_name(history.cutoff_day)
    (out / open_folder).mkdir(parents=True, exist_ok=True)  # being written: no model.json yet
    (out / "Changelog").mkdir(exist_ok=True)
    (out / "Changelog" / "changelog.info").write_text(open_folder, encoding="utf-8")
    latest = {name: list(attrs) for name, attrs in base.items()}
    latest[ADDED_LATER[0]].append((ADDED_LATER[1], "string"))
    (out / "model.json").write_text(json.dumps(_model(latest, {}, "", granularity), indent=1), encoding="utf-8")
    _write_key(out, history.rejections, where)
    return {"name": "synapse", "folders": len(history.days), "partition_files": files, "open_folder": open_folder,
            "column_added_later": {"table": ADDED_LATER[0], "column": ADDED_LATER[1],
                                   "from_folder": folder_name(added_day)}}


# ---------------------------------------------------------------------------------------------- Delta

def delta_type(column: str, table: Table) -> str:
    if column == "versionnumber" or column in OPTION_SETS:
        return "long"
    if column in BOOLEANS:
        return "boolean"
    return "string"


def _delta_schema(table: Table) -> list[tuple[str, str]]:
    return ([("Id", "string"), ("SinkCreatedOn", "timestamp"), ("SinkModifiedOn", "timestamp")]
            + [(c, delta_type(c, table)) for c, _ in attributes(table)[3:-1]]
            + [("IsDelete", "boolean"), ("PartitionId", "string")])


def _sql_value(name: str, kind: str) -> str:
    q = f'"{name}"'
    if kind == "long":
        return f"cast(nullif({q}, '') as bigint) as {q}"
    if kind == "boolean":
        return f"cast(nullif({q}, '') as boolean) as {q}"
    if kind == "timestamp":
        return f"to_timestamp(cast({q} as bigint)) as {q}"
    return f"nullif({q}, '') as {q}"


class _DeltaTable:
    """One current-state Delta table written commit by commit: the commits are planned in memory, then every data
    file is written in one partitioned DuckDB COPY and the log as Delta JSON (protocol, metaData, add, remove)."""

    def __init__(self, root: Path, table: Table) -> None:
        self.table = table
        self.dir = root / "deltalake" / f"{table.name}_partitioned"
        self.schema = _delta_schema(table)
        self.columns = [n for n, _ in self.schema if n != "PartitionId"]
        self.buckets: dict[tuple[str, int], list[list[str]]] = {}  # (PartitionId, creation week) → rows
        self.files: dict[tuple[str, int], str] = {}  # bucket → its current data file
        self.contents: list[tuple[str, list[list[str]]]] = []  # every data file written: (path, rows)
        self.commits: list[tuple[int, list[tuple]]] = []  # (ms, actions: ("add"|"remove", path, PartitionId))
        self.version = -1

    def _check(self, name: str, kind: str, value: str) -> None:
        ok = (value == "" or (kind == "long" and value.lstrip("-").isdigit() and str(int(value)) == value)
              or (kind == "boolean" and value in ("true", "false")) or kind in ("string", "timestamp"))
        if not ok:
            raise ValueError(f"{self.table.name}.{name}: '{value}' is no Delta {kind}")

    def row(self, version: Version, record: Record) -> list[str]:
        values = {"Id": record.id, "SinkCreatedOn": str(record.created), "SinkModifiedOn": str(sink_time(version)),
                  "IsDelete": "true" if version.value("isdelete").lower() == "true" else ""}
        row = []
        for name, kind in self.schema[:-1]:
            value = values[name] if name in values else version.value(name)
            self._check(name, kind, value)
            row.append(value)
        return row

    def commit(self, rows: list[tuple[tuple[str, int], list[str]]], when: int) -> list[int]:
        """A commit upserting `rows` ((bucket, row) in order): every file holding one of their records is rewritten
        with the new rows at its end. Returns each row's number among the commit's changed rows, as the reader
        numbers them (data file path, then position in the file)."""
        self.version += 1
        changed: dict[tuple[str, int], list[int]] = defaultdict(list)
        for i, (bucket, _) in enumerate(rows):
            changed[bucket].append(i)
        actions: list[tuple] = []
        numbers = [0] * len(rows)
        n = 0
        for bucket in sorted(changed):
            new_ids = {rows[i][1][0] for i in changed[bucket] if rows[i][1][0]}
            kept = [r for r in self.buckets.get(bucket, []) if not r[0] or r[0] not in new_ids]
            content = kept + [rows[i][1] for i in changed[bucket]]
            for i in changed[bucket]:
                n += 1
                numbers[i] = n
            self.buckets[bucket] = content
            if bucket in self.files:
                actions.append(("remove", self.files[bucket], bucket[0]))
            path = f"PartitionId={bucket[0]}/part-w{bucket[1]:05d}-{self.version:05d}.snappy.parquet"
            self.files[bucket] = path
            self.contents.append((path, content))
            actions.append(("add", path, bucket[0]))
        self.commits.append((when * 1000, actions))
        return numbers

    def finish(self, con: duckdb.DuckDBPyConnection, scratch: Path) -> None:
        """Write the data files (one DuckDB COPY, a file per partition value) and the log."""
        frame = pd.DataFrame([(k, seq, *r) for k, (_, rows) in enumerate(self.contents) for seq, r in enumerate(rows)],
                             columns=["_file", "_seq", *self.columns], dtype=object)
        select = ", ".join(_sql_value(n, k) for n, k in self.schema if n != "PartitionId")
        con.register("delta_rows", frame)
        shutil.rmtree(scratch, ignore_errors=True)
        con.execute(f"""copy (select cast(_file as integer) as _file, {select} from delta_rows
                              order by cast(_file as integer), cast(_seq as integer))
                        to '{scratch}' (format parquet, compression snappy, partition_by (_file))""")
        con.unregister("delta_rows")
        sizes: dict[str, int] = {}
        for k, (path, _) in enumerate(self.contents):
            target = self.dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            (written,) = (scratch / f"_file={k}").glob("*.parquet")
            written.rename(target)
            sizes[path] = target.stat().st_size
        shutil.rmtree(scratch, ignore_errors=True)
        counts = {path: len(rows) for path, rows in self.contents}
        (self.dir / "_delta_log").mkdir(parents=True, exist_ok=True)
        for version, (ms, actions) in enumerate(self.commits):
            entries: list[dict] = [{"commitInfo": {"timestamp": ms, "operation": "MERGE" if version else "WRITE",
                                                   "operationParameters": {}, "engineInfo": "fieldledger-generator"}}]
            if version == 0:
                entries += [{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
                            {"metaData": self._metadata(ms)}]
            for kind, path, partition in actions:
                values = {"PartitionId": partition}
                if kind == "remove":
                    entries.append({"remove": {"path": path, "deletionTimestamp": ms, "dataChange": True,
                                               "extendedFileMetadata": True, "partitionValues": values,
                                               "size": sizes[path]}})
                else:
                    entries.append({"add": {"path": path, "partitionValues": values, "size": sizes[path],
                                            "modificationTime": ms, "dataChange": True,
                                            "stats": json.dumps({"numRecords": counts[path]})}})
            text = "\n".join(json.dumps(e, separators=(",", ":")) for e in entries) + "\n"
            (self.dir / "_delta_log" / f"{version:020d}.json").write_text(text, encoding="utf-8")

    def _metadata(self, ms: int) -> dict:
        fields = [{"name": n, "type": k, "nullable": True, "metadata": {}} for n, k in self.schema]
        return {"id": str(uuid.uuid5(NAMESPACE, self.table.name)), "format": {"provider": "parquet", "options": {}},
                "schemaString": json.dumps({"type": "struct", "fields": fields}, separators=(",", ":")),
                "partitionColumns": ["PartitionId"], "configuration": {}, "createdTime": ms}


def write_delta(history: History, out: Path) -> dict:
    records = Records()
    where: dict[tuple[str, int], tuple[str, int] | None] = {}
    not_written: Counter[str] = Counter()
    commits: Counter[str] = Counter()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        tables: dict[str, _DeltaTable] = {}

        def write(table: Table, versions: list[Version], when: int) -> None:
            delta = tables.get(table.name) or tables.setdefault(table.name, _DeltaTable(out, table))
            rounds: list[list[tuple[Version, tuple[tuple[str, int], list[str]]]]] = []
            occurrences: Counter[str] = Counter()
            for v in versions:
                if v.unparseable:
                    not_written[UNPARSEABLE] += 1
                    where[v.source] = None
                    continue
                record = records.of(v)
                k = occurrences[record.id] if record.id else 0
                if record.id:
                    occurrences[record.id] += 1
                while len(rounds) <= k:
                    rounds.append([])
                bucket = (str(date_of(record.partition_day).year), record.first_day // 7)
                rounds[k].append((v, (bucket, delta.row(v, record))))
            for r, members in enumerate(rounds):
                numbers = delta.commit([m[1] for m in members], when + r * 60)
                commits[table.name] += 1
                for (v, _), number in zip(members, numbers, strict=True):
                    where[v.source] = (f"deltalake/{delta.dir.name}/_delta_log/{delta.version:020d}.json", number)

        first = history.days[0]
        for table, versions in history.setup():
            write(table, versions, first * DAY)
        for day in history.days:
            for table, versions in history.day(day):
                write(table, versions, day * DAY + 23 * 3600)
        for delta in tables.values():
            delta.finish(con, out / ".delta-files")
    left_out = _write_key(out, history.rejections, where)
    return {"name": "delta", "tables": len(commits), "commits": dict(sorted(commits.items())),
            "rows_not_written": dict(not_written), "expected_rejections_left_out": left_out}


def write_layout(layout: str, csv_dir: Path, out: Path, cutoff_day: int) -> dict:
    """Rewrite the CSV delivery in `csv_dir` as `layout` into `out`; returns the layout's summary."""
    history = History.read(csv_dir, cutoff_day)
    if layout == "synapse":
        return write_synapse(history, out)
    if layout == "delta":
        return write_delta(history, out)
    raise ValueError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")


def remove_layouts(out: Path) -> None:
    """What a previous synapse or delta generation wrote into `out` (for --overwrite)."""
    for entry in out.iterdir() if out.is_dir() else []:
        if entry.is_dir() and (entry.name in ("deltalake", "Changelog") or _is_folder(entry.name)):
            shutil.rmtree(entry)
    (out / "model.json").unlink(missing_ok=True)


def _is_folder(name: str) -> bool:
    from orchestration.dataverse import TIMESTAMP_FOLDER

    return bool(TIMESTAMP_FOLDER.fullmatch(name))
