"""Landing (R2, R4): every row of every file reaches raw or quarantine, once; schema drift fails closed."""

import gzip
import shutil

import duckdb
import pytest
from delivery_builder import USED, Delivery

from orchestration import landing
from orchestration.contract import BY_NAME
from orchestration.landing import SchemaDriftError, land


def _delivery(tmp_path):
    d = Delivery.example_a()
    d.product_line("wop-1", "2026-01-20T10:00:00Z", msdyn_estimatequantity="5")
    d.product_line("wop-1", "2026-02-03T10:00:00Z", status=USED, msdyn_quantity="4", msdyn_qtytobill="3")
    return d.write(tmp_path / "delivery")


def _count(db, table):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f'select count(*) from raw."{table}"').fetchone()[0]


def test_r2_landing_the_same_delivery_twice_adds_nothing(tmp_path):
    delivery, db = _delivery(tmp_path), tmp_path / "b.duckdb"
    first = land(delivery, db, progress=lambda _: None)
    assert first.total("rows_landed") == first.total("rows_delivered") > 0
    again = land(delivery, db, progress=lambda _: None)
    assert again.load_id is None and all(f.skipped for f in again.files)
    assert _count(db, "msdyn_workorderproduct") == 2


def test_r2_rows_already_landed_in_another_file_are_duplicates_not_new_rows(tmp_path):
    delivery, db = _delivery(tmp_path), tmp_path / "b.duckdb"
    land(delivery, db, progress=lambda _: None)
    # the same two versions delivered again in a new daily file, plus one new version
    src = delivery / "msdyn_workorderproduct"
    lines = (src / "2026-01-20.csv").read_text().splitlines() + (src / "2026-02-03.csv").read_text().splitlines()[1:]
    header = lines[0].split(",")
    new = dict(zip(header, lines[-1].split(","), strict=True)) | {"versionnumber": "99", "msdyn_qtytobill": "2"}
    (src / "2026-02-10.csv").write_text("\n".join(lines + [",".join(new[c] for c in header)]) + "\n")
    report = land(delivery, db, progress=lambda _: None)
    (outcome,) = [f for f in report.files if f.file_name.endswith("2026-02-10.csv")]
    assert (outcome.rows_delivered, outcome.rows_landed, outcome.rows_duplicate) == (3, 1, 2)
    assert _count(db, "msdyn_workorderproduct") == 3


def test_r4_unparseable_records_are_kept_with_file_row_and_text(tmp_path):
    delivery = _delivery(tmp_path)
    path = delivery / "msdyn_workorderproduct" / "2026-02-03.csv"
    header, good = path.read_text().splitlines()
    path.write_text("\n".join([header, "too,few,fields", good, good.replace(",", ",extra,", 1),
                               good.replace("wop-1", "wop-2", 1)]) + "\n")
    db = tmp_path / "b.duckdb"
    report = land(delivery, db, progress=lambda _: None)
    (outcome,) = [f for f in report.files if f.file_name == "msdyn_workorderproduct/2026-02-03.csv"]
    assert (outcome.rows_delivered, outcome.rows_landed, outcome.rows_unparseable) == (4, 2, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        bad = con.execute("select row_number, raw_line, error from raw._unparseable_rows order by 1").fetchall()
        landed = con.execute("select _row_number, msdyn_workorderproductid from raw.msdyn_workorderproduct "
                             "where _file_name like '%02-03%' order by 1").fetchall()
    assert [(r[0], r[1]) for r in bad] == [(1, "too,few,fields"), (3, good.replace(",", ",extra,", 1))]
    assert all("fields" in r[2] for r in bad)
    assert landed == [(2, "wop-1"), (4, "wop-2")]  # row numbers count the bad records too


def test_r4_a_line_with_invalid_utf8_is_quarantined_not_dropped(tmp_path):
    delivery = _delivery(tmp_path)
    path = delivery / "msdyn_workorderproduct" / "2026-02-03.csv"
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data + b"\n" + data.splitlines()[1].replace(b"wop-1", b"wop-\xff") + b"\n")
    db = tmp_path / "b.duckdb"
    land(delivery, db, progress=lambda _: None)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select row_number, error from raw._unparseable_rows").fetchall() == [(2, "invalid UTF-8")]
        assert con.execute("select count(*) from raw.msdyn_workorderproduct where _file_name like '%02-03%'"
                           ).fetchone()[0] == 1


def test_r4_schema_drift_fails_closed_naming_file_and_columns(tmp_path):
    delivery, db = _delivery(tmp_path), tmp_path / "b.duckdb"
    land(delivery, db, progress=lambda _: None)
    before = _count(db, "msdyn_workorderproduct")
    path = delivery / "msdyn_workorderproduct" / "2026-03-01.csv"
    shutil.copy(delivery / "msdyn_workorderproduct" / "2026-02-03.csv", path)
    text = path.read_text().replace("msdyn_qtytobill", "qty_to_bill").replace("msdyn_quantity,", "")
    path.write_text(text)
    (delivery / "product.csv").write_text("productid,name\nprod-y,Y\n")  # a drifted setup file too
    with pytest.raises(SchemaDriftError) as err:
        land(delivery, db, progress=lambda _: None)
    message = str(err.value)
    assert "msdyn_workorderproduct/2026-03-01.csv: missing required column(s) msdyn_quantity, msdyn_qtytobill" in message
    assert "product.csv: missing required column(s) productnumber" in message
    assert "nothing was landed" in message
    assert _count(db, "msdyn_workorderproduct") == before and _count(db, "product") == 1


def test_optional_columns_may_be_absent_and_extra_columns_are_ignored(tmp_path):
    d = Delivery()
    d.add("account", accountid="a1", name="A", accountnumber="1", msdyn_company="USMF", transactioncurrencyid="USD")
    delivery = d.write(tmp_path / "delivery")
    cols = [c for c in BY_NAME["account"].columns if c != "msdyn_salestaxgroup"] + ["crm_extra"]
    (delivery / "account.csv").write_text(",".join(cols) + "\na1,A,1,USMF,USD,whatever\n")
    db = tmp_path / "b.duckdb"
    land(delivery, db, progress=lambda _: None)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select accountid, msdyn_salestaxgroup from raw.account").fetchall() == [("a1", None)]


def test_parquet_files_land_like_csv(tmp_path):
    d = Delivery.example_a()
    delivery = d.write(tmp_path / "delivery")
    csv_path = delivery / "uom.csv"
    with duckdb.connect() as con:
        con.execute(f"copy (select * from read_csv('{csv_path}', all_varchar=true)) to "
                    f"'{delivery / 'uom.parquet'}' (format parquet)")
    csv_path.unlink()
    db = tmp_path / "b.duckdb"
    land(delivery, db, progress=lambda _: None)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select uomid, _file_name, _row_number from raw.uom order by 3").fetchall() == [
            ("uom-each", "uom.parquet", 1), ("uom-hour", "uom.parquet", 2)]


def test_a_snapshot_value_changed_back_is_landed_again(tmp_path):
    """Setup tables have no versions: the file is the version, so day 3 reverting day 2 must still land."""
    delivery, db = tmp_path / "delivery", tmp_path / "b.duckdb"
    (delivery / "uom").mkdir(parents=True)
    for day, name in (("1", "each"), ("2", "piece"), ("3", "each")):
        (delivery / "uom" / f"2026-01-0{day}.csv").write_text(f"uomid,name\nu1,{name}\n")
    land(delivery, db, progress=lambda _: None)
    assert _count(db, "uom") == 3


def test_a_setup_snapshot_sent_again_under_its_name_lands_whole_as_the_newer_version(tmp_path):
    """Issue 16 item 2: product.csv the next day with one value changed is the newer snapshot. Every row of a new
    content lands under the new load id, also a content the name had before (changed back); staging takes the
    newest landing per record id (_load_id desc, file, row number)."""
    delivery, db = tmp_path / "delivery", tmp_path / "b.duckdb"
    delivery.mkdir()
    path = delivery / "uom.csv"
    day_1 = "uomid,name\nu1,each\nu2,hour\n"
    loads = []
    for content in (day_1, "uomid,name\nu1,piece\nu2,hour\n", day_1):
        path.write_text(content)
        loads.append(land(delivery, db, progress=lambda _: None).load_id)
    assert loads == [1, 2, 3]
    path.write_text(day_1)  # the same content as its last landing: skipped
    assert land(delivery, db, progress=lambda _: None).load_id is None
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select _load_id, _file_name, _row_number, uomid, name from raw.uom order by 1, 3").fetchall() == [
            (1, "uom.csv", 1, "u1", "each"), (1, "uom.csv", 2, "u2", "hour"),
            (2, "uom.csv", 1, "u1", "piece"), (2, "uom.csv", 2, "u2", "hour"),
            (3, "uom.csv", 1, "u1", "each"), (3, "uom.csv", 2, "u2", "hour")]
        assert con.execute("""select uomid, arg_max(name, (_load_id, _file_name, _row_number)) from raw.uom
                              group by 1 order by 1""").fetchall() == [("u1", "each"), ("u2", "hour")]
        assert con.execute("select load_id, rows_delivered, rows_landed, rows_duplicate from raw._landed_files "
                           "order by 1").fetchall() == [(1, 2, 2, 0), (2, 2, 2, 0), (3, 2, 2, 0)]


def test_a_transactional_file_changed_back_adds_no_row_twice(tmp_path):
    delivery, db = _delivery(tmp_path), tmp_path / "b.duckdb"
    land(delivery, db, progress=lambda _: None)
    path = delivery / "msdyn_workorderproduct" / "2026-02-03.csv"
    original = path.read_text()
    path.write_text(original + original.splitlines()[1].replace("wop-1", "wop-9") + "\n")
    land(delivery, db, progress=lambda _: None)
    path.write_text(original)  # back to the first content: lands again, every row a duplicate of a landed one
    report = land(delivery, db, progress=lambda _: None)
    (outcome,) = [f for f in report.files if not f.skipped]
    assert (outcome.rows_delivered, outcome.rows_landed, outcome.rows_duplicate) == (1, 0, 1)
    assert _count(db, "msdyn_workorderproduct") == 3


def test_a_build_file_from_before_is_rekeyed_to_one_row_per_landing_of_a_file(tmp_path):
    db = tmp_path / "b.duckdb"
    with duckdb.connect(str(db)) as con:  # raw._landed_files as earlier versions created it
        con.execute("create schema raw")
        con.execute("""create table raw._landed_files (
            load_id bigint not null, table_name varchar not null, file_name varchar not null,
            file_sha256 varchar not null, rows_delivered bigint not null, rows_landed bigint not null,
            rows_duplicate bigint not null, rows_unparseable bigint not null,
            primary key (table_name, file_name, file_sha256))""")
        con.execute("insert into raw._landed_files values (1, 'uom', 'uom.csv', 'sha-a', 2, 2, 0, 0)")
        con.execute("""create table raw._loads (load_id bigint primary key, loaded_at timestamptz not null,
            raw_dir varchar not null, files_landed integer not null, rows_landed bigint not null)""")
        con.execute("insert into raw._loads values (1, now(), '/old', 1, 2)")
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    (delivery / "uom.csv").write_text("uomid,name\nu1,each\n")
    assert land(delivery, db, progress=lambda _: None).load_id == 2
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select constraint_column_names from duckdb_constraints() where schema_name = 'raw' "
                           "and table_name = '_landed_files' and constraint_type = 'PRIMARY KEY'").fetchall() == [
            (["load_id", "table_name", "file_name"],)]
        assert con.execute("select load_id, file_name from raw._landed_files order by 1").fetchall() == [
            (1, "uom.csv"), (2, "uom.csv")]


# ---------------------------------------------------------------------------------------------- DuckDB's reject tables
# Landing reads CSV with DuckDB alone and takes bad records from its reject tables: these pin what DuckDB's line
# numbers and record texts do not give by themselves.

UOM_HEADER = "uomid,name"


def _land_uom(tmp_path, text: bytes, name: str = "uom/2026-01-01.csv"):
    delivery, db = tmp_path / "delivery", tmp_path / "b.duckdb"
    path = delivery / name
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    report = land(delivery, db, progress=lambda _: None)
    with duckdb.connect(str(db), read_only=True) as con:
        good = con.execute("select _row_number, uomid, name from raw.uom order by 1").fetchall()
        bad = con.execute("select row_number, record_id, raw_line, error from raw._unparseable_rows order by 1"
                          ).fetchall()
    (outcome,) = report.files
    assert outcome.rows_delivered == len(good) + len(bad) == outcome.rows_landed + outcome.rows_unparseable  # I1
    return good, bad


@pytest.mark.parametrize("name", ["uom/2026-01-01.csv", "uom/2026-01-01.csv.gz"])
def test_blank_lines_are_no_rows_also_before_a_bad_record(tmp_path, name):
    """DuckDB counts a blank line in a rejected record's line number: the row numbers must not."""
    text = f'{UOM_HEADER}\nu1,each\n\n\nu2,"two\n\nlines"\nbad\n\nu3,hour\n\n'.encode()
    good, bad = _land_uom(tmp_path, text, name)
    assert good == [(1, "u1", "each"), (2, "u2", "two\n\nlines"), (4, "u3", "hour")]
    assert bad == [(3, "bad", "bad", "expected 2 fields as in the header, found 1")]


def test_crlf_line_breaks_give_the_same_rows_and_texts(tmp_path):
    good, bad = _land_uom(tmp_path, f'{UOM_HEADER}\r\nu1,each\r\nu2,"a\r\nb"\r\nu9,x,y\r\nu3,hour\r\n'.encode())
    assert good == [(1, "u1", "each"), (2, "u2", "a\r\nb"), (4, "u3", "hour")]
    assert bad == [(3, "u9", "u9,x,y", "expected 2 fields as in the header, found 3")]


@pytest.mark.parametrize("name", ["uom/2026-01-01.csv", "uom/2026-01-01.csv.gz"])
def test_a_broken_quote_early_in_a_long_file_loses_no_row_after_it(tmp_path, name):
    """DuckDB reads an unclosed quote on to the end of the file (or to the next quote, far below) and reports one
    record: landing takes the broken line alone and reads the rest again, also a second broken quote in it."""
    lines = [f"u{i},name {i}" for i in range(1, 3001)]
    lines[9] = 'u10,"never closed'
    lines[1999] = 'u2000,"closed much later'
    lines[2499] = 'u2500,"x"y'  # a quote that closes, then text: DuckDB rejects that record alone
    good, bad = _land_uom(tmp_path, ("\n".join([UOM_HEADER, *lines]) + "\n").encode(), name)
    assert [r[0] for r in bad] == [10, 2000, 2500]
    assert [r[1] for r in bad] == ["u10", "u2000", "u2500"]
    assert bad[0][2:] == ('u10,"never closed', landing.UNBALANCED)
    assert bad[2][3].startswith("CSV syntax: a quoted field is not closed properly")
    assert len(good) == 2997 and [r[0] for r in good] == [n for n in range(1, 3001) if n not in (10, 2000, 2500)]
    assert all(uomid == f"u{n}" for n, uomid, _ in good)


def test_several_files_of_one_table_keep_their_own_row_numbers(tmp_path):
    delivery, db = tmp_path / "delivery", tmp_path / "b.duckdb"
    (delivery / "uom").mkdir(parents=True)
    (delivery / "uom" / "a.csv").write_text(f"{UOM_HEADER}\nbad\nu1,each\n")
    (delivery / "uom" / "b.csv").write_text(f'{UOM_HEADER}\nu2,"open\nu3,hour\nu4,x,y\n')
    (delivery / "uom" / "c.csv").write_text(f"{UOM_HEADER}\nu5,each\n")
    report = land(delivery, db, progress=lambda _: None)
    assert {f.file_name: (f.rows_delivered, f.rows_unparseable) for f in report.files} == {
        "uom/a.csv": (2, 1), "uom/b.csv": (3, 2), "uom/c.csv": (1, 0)}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select _file_name, _row_number, uomid from raw.uom order by 1, 2").fetchall() == [
            ("uom/a.csv", 2, "u1"), ("uom/b.csv", 2, "u3"), ("uom/c.csv", 1, "u5")]
        assert con.execute("select file_name, row_number, record_id from raw._unparseable_rows order by 1, 2"
                           ).fetchall() == [("uom/a.csv", 1, "bad"), ("uom/b.csv", 1, "u2"), ("uom/b.csv", 3, "u4")]
