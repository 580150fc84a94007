"""Dataverse's own export folders (SPEC §1.4, issue 13): Synapse Link CSV and Delta tables land as the CSV delivery.

Small hand-built folders check each rule of the readers (no dbt); the demo history written in the three layouts by
the generator checks that they give the same raw rows and the same marts, row by row (the CSV side is the
session's demo build; the two others are built once here, seeds and models only).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import InProcessDbt, Warehouse, expected_rejections
from delivery_builder import demo_config
from deltalake import DeltaTable, write_deltalake

from orchestration.contract import BY_NAME
from orchestration.dbt import dbt_build_args
from orchestration.generate import generate
from orchestration.generate.layouts import attributes
from orchestration.landing import LandingError, land
from orchestration.settings import REPO_ROOT, RUN_SETTING_DEFAULTS

DEMO = REPO_ROOT / "seeds" / "demo"
WO = BY_NAME["msdyn_workorder"]
QUIET = lambda _: None  # noqa: E731


def _land(delivery: Path, db: Path, notes: list[str] | None = None):
    return land(delivery, db, progress=(notes.append if notes is not None else QUIET))


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------------- Synapse Link CSV

def _model(entities: dict[str, list[tuple[str, str]]]) -> str:
    return json.dumps({"name": "cdm", "version": "1.0", "entities": [
        {"$type": "LocalEntity", "name": name, "attributes": [{"name": a, "dataType": t} for a, t in attrs],
         "partitions": []} for name, attrs in entities.items()]})


# Id, SinkCreatedOn, SinkModifiedOn, the key, the other columns by name, createdon, versionnumber, modifiedon,
# IsDelete; without msdyn_projecttask, which a test adds later
WO_ATTRS = [(a, t) for a, t in attributes(WO) if a != "msdyn_projecttask"]
WO_NAMES = [a for a, _ in WO_ATTRS]


def _wo(**values: str) -> dict[str, str]:
    base = {"Id": "wo-1", "SinkCreatedOn": "3/15/2026 6:04:12 AM", "SinkModifiedOn": "3/15/2026 6:04:12 AM",
            "msdyn_workorderid": "wo-1", "msdyn_name": "WO-1", "msdyn_serviceaccount": "acc", "msdyn_billingaccount":
            "acc", "msdyn_pricelist": "pl", "msdyn_systemstatus": "690970001", "msdyn_project": "prj",
            "transactioncurrencyid": "EUR", "createdon": "2026-03-01T08:00:00.0000000+00:00",
            "versionnumber": "1001", "modifiedon": "2026-03-15T06:01:58Z"}
    return base | values


def _line(values: dict[str, str], names: list[str] = WO_NAMES, quote: tuple[str, ...] = ("msdyn_name",)) -> str:
    cells = []
    for name in names:
        v = values.get(name, "")
        cells.append('"' + v.replace('"', '""') + '"' if v and (name in quote or "\n" in v or "," in v) else v)
    return ",".join(cells)


def _synapse(root: Path, folders: dict[str, dict[str, str]], open_folder: str | None,
             entities: dict[str, list[tuple[str, str]]] | None = None) -> Path:
    """A Synapse Link container: root model.json, timestamped folders {name: {relative file: text}}, changelog."""
    entities = entities or {"msdyn_workorder": WO_ATTRS}
    root.mkdir(parents=True, exist_ok=True)
    (root / "model.json").write_text(_model(entities))
    for folder, files in folders.items():
        (root / folder).mkdir(exist_ok=True)
        for rel, text in files.items():
            (root / folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / folder / rel).write_text(text, encoding="utf-8", newline="")
    if open_folder:
        (root / "Changelog").mkdir(exist_ok=True)
        (root / "Changelog" / "changelog.info").write_text(open_folder)
    return root


def test_synapse_partitions_are_read_with_their_own_folders_columns_in_the_contracts_text_forms(tmp_path):
    later = [*WO_ATTRS, ("msdyn_projecttask", "string")]  # a column Dataverse added: appended at the end
    first = "\r\n".join([
        _line(_wo(msdyn_name='Line one\r\nline "two", three', modifiedon="2026-03-15T08:01:58.1234567+02:00")),
        _line(_wo(Id="wo-2", msdyn_workorderid="wo-2", msdyn_completedon="3/16/2026 1:05:00 PM",
                  modifiedon="2026-13-40T10:00:00Z")),  # not a date: kept as delivered, for staging to reject
        _line(_wo(Id="wo-3", msdyn_workorderid="wo-3")) + ",,too,many",
        "",
    ])
    second = "\r\n".join([
        _line(_wo(Id="wo-4", msdyn_workorderid="wo-4", versionnumber="1004")),  # one field less than `later`
        _line(_wo(Id="wo-5", msdyn_workorderid="wo-5")) + ",task-5",
    ]) + "\r\n"
    notes: list[str] = []
    root = _synapse(tmp_path / "container", {
        "2026-03-15T06.00.00Z": {"model.json": _model({"msdyn_workorder": WO_ATTRS, "contact": [("Id", "guid")]}),
                                 "msdyn_workorder/2026.csv": first,
                                 "msdyn_workorder/Snapshot/2026_1.csv": "a snapshot copy, never read",
                                 "contact/2026.csv": "c-1\r\n",
                                 "OptionsetMetadata/OptionsetMetadata.csv": "msdyn_workorder,x,1,False,1033,y\r\n"},
        "2026-03-15T06.15.00Z": {"model.json": _model({"msdyn_workorder": later}),
                                 "msdyn_workorder/2026_001.csv": second},
        "2026-03-15T06.30.00Z": {"model.json": _model({"msdyn_workorder": later}),
                                 "msdyn_workorder/2026.csv": _line(_wo(Id="wo-9", msdyn_workorderid="wo-9")) + "\r\n"},
    }, open_folder="2026-03-15T06.30.00Z")
    db = tmp_path / "b.duckdb"
    report = _land(root, db, notes)

    assert any("2026-03-15T06.30.00Z still being written" in n for n in notes)
    got = _rows(db, "select msdyn_workorderid, msdyn_name, msdyn_completedon, modifiedon, createdon, isdelete, "
                    "msdyn_projecttask, _file_name, _row_number from raw.msdyn_workorder order by all")
    assert got == [
        ("wo-1", 'Line one\r\nline "two", three', None, "2026-03-15T06:01:58.123456Z", "2026-03-01T08:00:00Z",
         "false", None, "2026-03-15T06.00.00Z/msdyn_workorder/2026.csv", 1),
        ("wo-2", "WO-1", "2026-03-16T13:05:00Z", "2026-13-40T10:00:00Z", "2026-03-01T08:00:00Z", "false", None,
         "2026-03-15T06.00.00Z/msdyn_workorder/2026.csv", 2),
        ("wo-4", "WO-1", None, "2026-03-15T06:01:58Z", "2026-03-01T08:00:00Z", "false", None,
         "2026-03-15T06.15.00Z/msdyn_workorder/2026_001.csv", 1),
        ("wo-5", "WO-1", None, "2026-03-15T06:01:58Z", "2026-03-01T08:00:00Z", "false", "task-5",
         "2026-03-15T06.15.00Z/msdyn_workorder/2026_001.csv", 2),
    ]
    ((row_number, record_id, error, text),) = _rows(db, "select row_number, record_id, error, raw_line "
                                                        "from raw._unparseable_rows")
    assert (row_number, record_id) == (3, "wo-3") and "at most 16 fields" in error and text.endswith(",,too,many")
    files = {f.file_name: (f.rows_delivered, f.rows_landed, f.rows_duplicate, f.rows_unparseable)
             for f in report.files}
    assert files == {"2026-03-15T06.00.00Z/msdyn_workorder/2026.csv": (3, 2, 0, 1),
                     "2026-03-15T06.15.00Z/msdyn_workorder/2026_001.csv": (2, 2, 0, 0)}
    assert [(i.name, i.reason_code) for i in report.ignored_files] == [
        ("2026-03-15T06.00.00Z/contact/2026.csv", "unknown_table")]  # metadata and snapshots are not listed


def test_synapse_the_open_folder_is_read_on_a_later_run_and_a_landed_folder_never_again(tmp_path):
    row = _line(_wo()) + "\r\n"
    root = _synapse(tmp_path / "c", {"2026-03-15T06.00.00Z": {"model.json": _model({"msdyn_workorder": WO_ATTRS}),
                                                              "msdyn_workorder/2026.csv": row},
                                     "2026-03-15T06.15.00Z": {"msdyn_workorder/2026.csv": "half a reco"}},
                    open_folder=None)  # no changelog.info: the newest folder may still be written
    db = tmp_path / "b.duckdb"
    assert [f.file_name for f in _land(root, db).files] == ["2026-03-15T06.00.00Z/msdyn_workorder/2026.csv"]
    # the folder closes (Synapse wrote its model.json and the rest of its rows) and a new one opens
    (root / "2026-03-15T06.15.00Z" / "model.json").write_text(_model({"msdyn_workorder": WO_ATTRS}))
    (root / "2026-03-15T06.15.00Z" / "msdyn_workorder" / "2026.csv").write_text(
        _line(_wo(versionnumber="1002", msdyn_systemstatus="690970002")) + "\r\n")
    (root / "2026-03-15T06.30.00Z").mkdir()
    _synapse(root, {}, open_folder="2026-03-15T06.30.00Z")
    second = _land(root, db)
    assert [(f.file_name, f.skipped) for f in second.files] == [
        ("2026-03-15T06.00.00Z/msdyn_workorder/2026.csv", True), ("2026-03-15T06.15.00Z/msdyn_workorder/2026.csv", False)]
    assert _land(root, db).load_id is None  # nothing new: nothing lands twice
    assert _rows(db, "select versionnumber, _load_id from raw.msdyn_workorder order by 1") == [("1001", 1), ("1002", 2)]


def test_synapse_retried_writes_duplicates_and_the_newest_sink_time_wins(tmp_path):
    same = _line(_wo(SinkModifiedOn="3/15/2026 6:05:00 AM"))
    older = _line(_wo(Id="wo-2", msdyn_workorderid="wo-2", msdyn_name="first write", SinkModifiedOn="3/15/2026 6:05:00 AM"))
    newer = _line(_wo(Id="wo-2", msdyn_workorderid="wo-2", msdyn_name="second write", SinkModifiedOn="3/15/2026 6:20:00 AM"))
    tie_a = _line(_wo(Id="wo-3", msdyn_workorderid="wo-3", msdyn_name="a", SinkModifiedOn="3/15/2026 6:05:00 AM"))
    tie_b = _line(_wo(Id="wo-3", msdyn_workorderid="wo-3", msdyn_name="b", SinkModifiedOn="3/15/2026 6:05:00 AM"))
    model = _model({"msdyn_workorder": WO_ATTRS})
    root = _synapse(tmp_path / "c", {
        "2026-03-15T06.00.00Z": {"model.json": model, "msdyn_workorder/2026.csv": "\r\n".join([same, older, tie_a])},
        "2026-03-15T06.15.00Z": {"model.json": model, "msdyn_workorder/2026.csv": "\r\n".join([same, newer, tie_b])},
    }, open_folder="2026-03-15T06.30.00Z")
    db = tmp_path / "b.duckdb"
    report = _land(root, db)
    assert _rows(db, "select msdyn_workorderid, msdyn_name, _file_name from raw.msdyn_workorder order by all") == [
        ("wo-1", "WO-1", "2026-03-15T06.00.00Z/msdyn_workorder/2026.csv"),  # the retry is a duplicate
        ("wo-2", "second write", "2026-03-15T06.15.00Z/msdyn_workorder/2026.csv"),  # the newer write wins
        ("wo-3", "a", "2026-03-15T06.00.00Z/msdyn_workorder/2026.csv"),  # a tie decides nothing: staging
        ("wo-3", "b", "2026-03-15T06.15.00Z/msdyn_workorder/2026.csv"),  # rejects both (duplicate_version)
    ]
    counts = [(f.rows_delivered, f.rows_landed, f.rows_duplicate, f.rows_superseded) for f in report.files]
    assert counts == [(3, 2, 1, 1), (3, 2, 1, 0)]  # I1 per file: delivered = landed + duplicate + unparseable


def test_synapse_a_delete_row_with_only_its_id_and_sink_times_is_a_delete_version(tmp_path):
    delete = _line({"Id": "wo-1", "SinkCreatedOn": "3/15/2026 6:04:12 AM", "SinkModifiedOn": "3/16/2026 7:09:40 PM",
                    "versionnumber": "1002", "IsDelete": "True"})
    root = _synapse(tmp_path / "c", {"2026-03-16T18.00.00Z": {"model.json": _model({"msdyn_workorder": WO_ATTRS}),
                                                              "msdyn_workorder/2026.csv": delete + "\r\n"}},
                    open_folder="2026-03-16T18.15.00Z")
    db = tmp_path / "b.duckdb"
    _land(root, db)
    assert _rows(db, "select msdyn_workorderid, versionnumber, modifiedon, isdelete, msdyn_name "
                     "from raw.msdyn_workorder") == [("wo-1", "1002", "2026-03-16T19:09:40Z", "true", None)]


def test_synapse_without_incremental_folders_the_table_folders_at_the_root_are_read(tmp_path):
    root = _synapse(tmp_path / "c", {}, open_folder=None)
    (root / "msdyn_workorder").mkdir()
    partition = root / "msdyn_workorder" / "2026.csv"
    partition.write_text(_line(_wo()) + "\r\n")
    db = tmp_path / "b.duckdb"
    assert [f.file_name for f in _land(root, db).files] == ["msdyn_workorder/2026.csv"]
    # append-only: the file grows; what was landed before is a duplicate
    partition.write_text(_line(_wo()) + "\r\n" + _line(_wo(versionnumber="1002")) + "\r\n")
    (again,) = _land(root, db).files
    assert (again.rows_delivered, again.rows_landed, again.rows_duplicate) == (2, 1, 1)


def test_synapse_a_folder_whose_model_json_lacks_required_columns_stops_the_landing(tmp_path):
    attrs = [a for a in WO_ATTRS if a[0] != "msdyn_pricelist"]
    root = _synapse(tmp_path / "c", {"2026-03-15T06.00.00Z": {"model.json": _model({"msdyn_workorder": attrs}),
                                                              "msdyn_workorder/2026.csv": "x\r\n"}},
                    open_folder="2026-03-15T06.15.00Z")
    with pytest.raises(LandingError, match=r"2026-03-15T06.00.00Z/msdyn_workorder/2026.csv: missing required column"):
        _land(root, tmp_path / "b.duckdb")


# ---------------------------------------------------------------------------------------------- Delta (delta-rs)

def _source(con: duckdb.DuckDBPyConnection, rows: str):
    """A typed Dataverse row set as Fabric link writes it (timestamps, booleans, longs, decimals, dates)."""
    return con.sql(f"""select Id, Id as msdyn_workorderid, 'WO-' || Id as msdyn_name, 'acc' as msdyn_serviceaccount,
            'acc' as msdyn_billingaccount, 'pl' as msdyn_pricelist, status::bigint as msdyn_systemstatus,
            'prj' as msdyn_project, 'EUR' as transactioncurrencyid, null::timestamptz as msdyn_completedon,
            timestamptz '2026-03-01 08:00:00' as createdon, version::bigint as versionnumber,
            modified::timestamptz as modifiedon, is_delete::boolean as IsDelete,
            modified::timestamptz + interval 1 minute as SinkModifiedOn, 12.5::decimal(38, 4) as msdyn_amount,
            date '2026-03-31' as msdyn_duedate, '2026' as PartitionId
        from (values {rows}) t(Id, status, version, modified, is_delete)""")


def _merge(table: Path, source) -> None:
    (DeltaTable(str(table)).merge(source, predicate="t.Id = s.Id", source_alias="s", target_alias="t")
     .when_matched_update_all().when_not_matched_insert_all().execute())


def test_delta_every_commit_lands_the_rows_it_changed_read_through_the_log(tmp_path):
    root = tmp_path / "fabric"
    table = root / "deltalake" / "msdyn_workorder_partitioned"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    write_deltalake(str(table), _source(con, "('wo-1', 690970000, 1001, '2026-03-02 10:00:00', null), "
                                             "('wo-2', 690970000, 1002, '2026-03-02 11:00:00.25', null)"),
                    partition_by=["PartitionId"])
    _merge(table, _source(con, "('wo-1', 690970001, 1003, '2026-03-03 09:00:00', null), "
                               "('wo-3', 690970000, 1004, '2026-03-03 09:30:00', false)"))
    _merge(table, _source(con, "('wo-2', 690970000, 1005, '2026-03-04 12:00:00', true)"))  # a soft delete
    # a data file the log does not name (an aborted write): never read
    _source(con, "('wo-x', 690970000, 1009, '2026-03-02 10:00:00', null)").write_parquet(
        str(table / "PartitionId=2026" / "stray.parquet"))
    db = tmp_path / "b.duckdb"
    first = _land(root, db)
    assert [(f.file_name.rsplit("/", 1)[1], f.rows_delivered, f.rows_landed) for f in first.files] == [
        ("00000000000000000000.json", 2, 2), ("00000000000000000001.json", 2, 2), ("00000000000000000002.json", 1, 1)]
    assert _rows(db, "select msdyn_workorderid, msdyn_systemstatus, versionnumber, modifiedon, createdon, isdelete "
                     "from raw.msdyn_workorder order by versionnumber") == [
        ("wo-1", "690970000", "1001", "2026-03-02T10:00:00Z", "2026-03-01T08:00:00Z", "false"),
        ("wo-2", "690970000", "1002", "2026-03-02T11:00:00.25Z", "2026-03-01T08:00:00Z", "false"),
        ("wo-1", "690970001", "1003", "2026-03-03T09:00:00Z", "2026-03-01T08:00:00Z", "false"),
        ("wo-3", "690970000", "1004", "2026-03-03T09:30:00Z", "2026-03-01T08:00:00Z", "false"),
        ("wo-2", "690970000", "1005", "2026-03-04T12:00:00Z", "2026-03-01T08:00:00Z", "true"),  # the soft delete
    ]
    assert _rows(db, "select _file_name[-7:], list(_row_number order by _row_number) from raw.msdyn_workorder "
                     "group by 1 order by 1") == [("00.json", [1, 2]), ("01.json", [1, 2]), ("02.json", [1])]
    # the next landing reads the new commits only: an append, a compaction (rewrites files, changes no row), a merge
    write_deltalake(str(table), _source(con, "('wo-4', 690970000, 1006, '2026-03-05 07:00:00', null)"), mode="append")
    DeltaTable(str(table)).optimize.compact()
    _merge(table, _source(con, "('wo-3', 690970002, 1007, '2026-03-05 08:00:00', null)"))
    assert [h["operation"] for h in DeltaTable(str(table)).history(3)] == ["MERGE", "OPTIMIZE", "WRITE"]
    second = _land(root, db)
    assert [(f.file_name.rsplit("/", 1)[1], f.rows_delivered, f.rows_landed) for f in second.files if not f.skipped] == [
        ("00000000000000000003.json", 1, 1), ("00000000000000000004.json", 0, 0), ("00000000000000000005.json", 1, 1)]
    assert _rows(db, "select count(*) from raw.msdyn_workorder") == [(7,)]


def test_delta_vacuumed_files_cannot_be_subtracted_so_their_copies_land_as_duplicates(tmp_path):
    root = tmp_path / "synapse-delta"
    table = root / "deltalake" / "msdyn_workorder_partitioned"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    write_deltalake(str(table), _source(con, "('wo-1', 690970000, 1001, '2026-03-02 10:00:00', null), "
                                             "('wo-2', 690970000, 1002, '2026-03-02 11:00:00', null)"),
                    partition_by=["PartitionId"])
    db = tmp_path / "b.duckdb"
    assert _land(root, db).total("rows_landed") == 2
    _merge(table, _source(con, "('wo-1', 690970001, 1003, '2026-03-03 09:00:00', null)"))
    DeltaTable(str(table)).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    # version 1 rewrote version 0's file, which is gone: its unchanged row comes back, a duplicate (the vacuum's
    # own commits change no data)
    outcomes = {f.file_name[-7:-5]: (f.rows_delivered, f.rows_landed, f.rows_duplicate) for f in _land(root, db).files
                if not f.skipped}
    assert outcomes.pop("01") == (2, 1, 1) and set(outcomes.values()) == {(0, 0, 0)}
    # a first landing after the vacuum: version 0 delivers nothing (its file is gone), version 1 what is left
    fresh = tmp_path / "fresh.duckdb"
    assert [(f.rows_delivered, f.rows_landed) for f in _land(root, fresh).files][:2] == [(0, 0), (2, 2)]
    assert _rows(fresh, "select msdyn_workorderid, versionnumber from raw.msdyn_workorder order by 2") == [
        ("wo-2", "1002"), ("wo-1", "1003")]


def test_delta_when_the_logs_actions_do_not_add_up_delta_rs_gives_every_version(tmp_path, monkeypatch):
    from orchestration import dataverse

    root = tmp_path / "fabric"
    table = root / "deltalake" / "msdyn_workorder_partitioned"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    write_deltalake(str(table), _source(con, "('wo-1', 690970000, 1001, '2026-03-02 10:00:00', null), "
                                             "('wo-2', 690970000, 1002, '2026-03-02 11:00:00', null)"))
    _merge(table, _source(con, "('wo-1', 690970001, 1003, '2026-03-03 09:00:00', null)"))
    monkeypatch.setattr(dataverse, "_log_actions", lambda commit, table_dir: (set(), set()))
    db = tmp_path / "b.duckdb"
    assert [(f.rows_delivered, f.rows_landed) for f in _land(root, db).files] == [(2, 2), (1, 1)]


def test_delta_a_table_with_deletion_vectors_is_refused_by_name(tmp_path):
    table = tmp_path / "d" / "deltalake" / "msdyn_workorder_partitioned"
    con = duckdb.connect()
    write_deltalake(str(table), _source(con, "('wo-1', 690970000, 1001, '2026-03-02 10:00:00', null)"))
    log = table / "_delta_log" / "00000000000000000000.json"
    actions = [json.loads(line) for line in log.read_text().splitlines()]
    for a in actions:
        if "protocol" in a:
            a["protocol"] = {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"],
                             "writerFeatures": ["deletionVectors"]}
    log.write_text("\n".join(json.dumps(a) for a in actions) + "\n")
    with pytest.raises(LandingError, match="msdyn_workorder_partitioned: the Delta table uses deletionVectors"):
        _land(tmp_path / "d", tmp_path / "b.duckdb")


# ---------------------------------------------------------------------------------------------- the demo history

@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[str, Path]:
    """The demo history as the CSV delivery (seeds/demo), as Synapse Link CSV and as Delta tables."""
    root = tmp_path_factory.mktemp("layouts")
    for layout in ("synapse", "delta"):
        generate(demo_config(DEMO), root / layout, progress=None, layout=layout)
    return {"csv": DEMO, "synapse": root / "synapse", "delta": root / "delta"}


@pytest.fixture(scope="module")
def builds(layouts, demo_build, tmp_path_factory) -> dict[str, Path]:
    """Build files: csv is the session's demo build (every model and test); synapse and delta are landed and built
    here, seeds and models only, one after the other on one build path (dbt's partial parsing stays warm)."""
    root = tmp_path_factory.mktemp("layout-builds")
    w = Warehouse(root / "work")
    dbt = InProcessDbt(w)
    out = {"csv": demo_build.build_db}
    for layout in ("synapse", "delta"):
        for leftover in (w.build_db, w.build_db.with_name(w.build_db.name + ".wal")):
            leftover.unlink(missing_ok=True)
        w.root.mkdir(parents=True, exist_ok=True)
        w.land(layouts[layout])
        dbt.run(*dbt_build_args(RUN_SETTING_DEFAULTS), "--resource-type", "seed", "--resource-type", "model")
        out[layout] = root / f"{layout}.duckdb"
        shutil.copy(w.build_db, out[layout])
    return out


def test_the_generator_writes_the_history_as_dataverse_exports_it(layouts):
    synapse, delta = layouts["synapse"], layouts["delta"]
    folders = sorted(p.name for p in synapse.iterdir() if p.name[:2] == "20")
    open_folder = (synapse / "Changelog" / "changelog.info").read_text()
    assert open_folder == folders[-1] == "2026-05-01T00.00.00Z" and not any((synapse / open_folder).iterdir())
    assert (synapse / "model.json").is_file() and all((synapse / f / "model.json").is_file() for f in folders[:-1])
    partitions = {p.relative_to(synapse).as_posix() for p in synapse.glob("20*/*/*.csv")}
    assert "2025-12-12T00.00.00Z/productpricelevel/2025_001.csv" in partitions  # a split of the initial sync
    assert "2026-01-02T00.00.00Z/msdyn_workorder/2026-01.csv" in partitions  # monthly, by createdon
    text = (synapse / "2026-01-02T00.00.00Z/msdyn_workorder/2026-01.csv").read_bytes().decode("utf-8")
    assert text.endswith("\r\n") and "+00:00" in text and (' AM"' in text or ' PM"' in text)
    tables = sorted(p.name for p in (delta / "deltalake").iterdir())
    assert "msdyn_workorderproduct_partitioned" in tables
    log = delta / "deltalake" / "msdyn_workorderproduct_partitioned" / "_delta_log"
    history = DeltaTable(str(log.parent)).history()
    assert len(history) == len(list(log.glob("*.json"))) > 50 and history[0]["operation"] == "MERGE"


@pytest.fixture(scope="module")
def compare(builds):
    """One connection with every build attached (csv, synapse, delta): `compare(layout, sql_of_one_build)` counts the
    rows that differ from the csv build's, both ways (multisets: EXCEPT ALL)."""
    con = duckdb.connect()
    for layout, db in builds.items():
        con.execute(f"attach '{db}' as {layout} (read_only)")

    def differences(layout: str, sql: str) -> int:
        a, b = sql.format(db="csv"), sql.format(db=layout)
        return con.execute(f"select (select count(*) from ({a} except all {b})) + "
                           f"(select count(*) from ({b} except all {a}))").fetchone()[0]

    differences.con = con
    yield differences
    con.close()


def test_every_layout_lands_the_same_raw_rows(builds, compare):
    con = compare.con
    unparseable = {k: con.execute(f"select count(*) from {k}.raw._unparseable_rows").fetchone()[0] for k in builds}
    assert unparseable["csv"] == unparseable["synapse"] > 0 and unparseable["delta"] == 0  # a Delta table has none
    for table in BY_NAME.values():
        cols = ", ".join(f'"{c}"' for c in table.columns)
        sql = f'select {cols} from {{db}}.raw."{table.name}"'
        assert con.execute(sql.format(db="csv").replace("select " + cols, "select count(*)")).fetchone()[0] > 0 \
            or table.may_be_absent, table.name
        for layout in ("synapse", "delta"):
            assert compare(layout, sql) == 0, (layout, table.name)
    for layout in builds:  # I1 per partition file / commit, and nothing of the generated layouts left unread
        assert con.execute(f"select count(*) from {layout}.raw._landed_files where rows_delivered <> "
                           f"rows_landed + rows_duplicate + rows_unparseable").fetchone() == (0,), layout
        assert con.execute(f"select count(*) from {layout}.raw._ignored_files").fetchone() == (0,), layout
    names = [r[0] for r in con.execute("select file_name from synapse.raw._landed_files").fetchall()]
    assert all(n.count("/") == 2 and n[:2] == "20" and n.endswith(".csv") for n in names)


FILE_COLUMNS = {"file_name", "row_number", "file_sha256", "file_bytes"}


def test_every_layout_gives_the_same_marts_row_by_row(builds, compare):
    con = compare.con
    columns: dict[str, list[str]] = {}
    for table, column in con.execute("select table_name, column_name from information_schema.columns "
                                     "where table_catalog = 'csv' and table_schema = 'marts' "
                                     "order by table_name, ordinal_position").fetchall():
        if column not in FILE_COLUMNS:
            columns.setdefault(table, []).append(f'"{column}"')
    assert len(columns) > 25

    def marts(table: str, where: str = "true", cols: list[str] | None = None) -> str:
        return f'select {", ".join(cols or columns[table])} from {{db}}.marts."{table}" where {where}'

    for layout in ("synapse", "delta"):
        for table in columns:
            if table not in ("rpt_rejected_rows", "rpt_pipeline_reconciliation"):
                assert compare(layout, marts(table)) == 0, (layout, table)
        # rejected rows: the same rows with the same reasons and delivered values; an unparseable record's text
        # is the layout's own, and a Delta table has none
        assert compare(layout, marts("rpt_rejected_rows", "reason_code <> 'unparseable_row'")) == 0, layout
        # the reconciliation: the same at every stage, but the delivered lines of Delta (no unparseable records)
        assert compare(layout, marts("rpt_pipeline_reconciliation", "stage_order > 1")) == 0, layout
    assert compare("synapse", marts("rpt_rejected_rows", "reason_code = 'unparseable_row'",
                                    ["table_name", "record_id", "reason_code", "stage"])) == 0
    assert compare("synapse", marts("rpt_pipeline_reconciliation")) == 0
    unparseable = con.execute("select count(*) from csv.marts.rpt_rejected_rows "
                              "where reason_code = 'unparseable_row'").fetchone()[0]
    delivered = {k: con.execute(f"select row_count from {k}.marts.rpt_pipeline_reconciliation "
                                f"where stage_order = 1").fetchone()[0] for k in ("csv", "delta")}
    assert delivered["delta"] == delivered["csv"] - unparseable
    assert con.execute("select count(*) from delta.marts.rpt_pipeline_reconciliation "
                       "where difference <> 0").fetchone() == (0,)


def test_the_answer_key_of_each_layout_names_the_rejected_rows_files_and_row_numbers(layouts, builds):
    for layout in ("synapse", "delta"):
        got = {tuple(r) for r in _rows(builds[layout], "select table_name, file_name, row_number, reason_code "
                                                       "from marts.rpt_rejected_rows")}
        want = {(r["table_name"], r["file_name"], int(r["row_number"]), r["reason_code"])
                for r in expected_rejections(layouts[layout])}
        assert got == want, layout
    assert len(expected_rejections(layouts["delta"])) == len(expected_rejections(DEMO)) - sum(
        1 for r in expected_rejections(DEMO) if r["reason_code"] == "unparseable_row")
