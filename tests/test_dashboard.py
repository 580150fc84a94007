"""The dashboard (issue 12 item 3), two ways, on the demo delivery published by orchestration.publish:

1. streamlit.testing (AppTest) renders every page in this process and the numbers it shows — metrics and tables —
   equal SQL on the published marts written here, independently of orchestration/dashboard/queries.py;
2. a real headless Chromium (Debian's `chromium`, `make chromium`) loads every page of `streamlit run` over HTTP and
   the DOM holds the page's title and metrics; a screenshot per page is kept under tests/artifacts/. No browser is a
   failure, never a skip.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from orchestration.dashboard.warehouse import PAGES
from orchestration.publish import publish
from orchestration.settings import REPO_ROOT

APP = REPO_ROOT / "orchestration" / "dashboard" / "app.py"
ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT = 90  # s: upper bound for a server or a page on a loaded machine (a failure after it, not a measurement)


def money(value) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


@pytest.fixture(scope="module")
def published(demo_build, tmp_path_factory) -> Path:
    """The demo build published as `make run` publishes it; FIELDLEDGER_WAREHOUSE points the dashboard at it."""
    warehouse = tmp_path_factory.mktemp("dashboard") / "fieldledger.duckdb"
    publish(demo_build.build_db, warehouse)
    old = os.environ.get("FIELDLEDGER_WAREHOUSE")
    os.environ["FIELDLEDGER_WAREHOUSE"] = str(warehouse)
    yield warehouse
    os.environ.pop("FIELDLEDGER_WAREHOUSE") if old is None else os.environ.__setitem__("FIELDLEDGER_WAREHOUSE", old)


def sql(path: Path, query: str, params=()) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def page(view: str, query_params: dict | None = None) -> AppTest:
    """The app as a browser session opens it, switched to views/<view>.py (the app registers its pages first)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query_params or {})
    at.run()
    at.switch_page(f"views/{view}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    shown = [(m.label, m.value) for m in at.metric]
    assert len(shown) == len(dict(shown)), f"a metric label twice: {shown}"
    return dict(shown)


def rows(frame, columns) -> list[tuple]:
    """A shown table's rows as tuples (NULL as None), to compare with fetchall()."""
    return [tuple(None if v is None or (isinstance(v, float) and v != v) else v for v in r)
            for r in frame[list(columns)].itertuples(index=False)]


def to_date(value):
    return value.date() if hasattr(value, "date") else value


# --- expected numbers, straight from the marts -------------------------------------------------------------------

def expected_overview(path: Path) -> dict[str, str]:
    out = {}
    for currency, billed, unbilled in sql(path, """
            select currency_code, coalesce(sum(amount) filter (where transaction_type = 'billed_sales'), 0),
                   coalesce(sum(amount) filter (where transaction_type = 'unbilled_sales'
                                                  and billing_type = 'chargeable'), 0)
            from marts.fct_project_actuals where transaction_type <> 'cost' group by 1"""):
        out[f"Billed {currency}"], out[f"Unbilled {currency}"] = money(billed), money(unbilled)
        out[f"Backlog {currency}"] = money(Decimal(0))
    for currency, backlog in sql(path, "select currency_code, sum(amount) from marts.rpt_unbilled_backlog group by 1"):
        out[f"Backlog {currency}"] = money(backlog)
        out.setdefault(f"Billed {currency}", money(Decimal(0)))
        out.setdefault(f"Unbilled {currency}", money(Decimal(0)))
    [(off, stages)] = sql(path, "select count(*) filter (where difference <> 0), count(*) "
                                "from marts.rpt_pipeline_reconciliation")
    out["Reconciliation stages with a difference"] = f"{off} of {stages}"
    [(off, periods)] = sql(path, """
        select count(*) filter (where d <> c), count(*) from (
            select legal_entity, period, sum(debit_amount) as d, sum(credit_amount) as c
            from marts.rpt_trial_balance group by all)""")
    out["Trial balance periods out of balance"] = f"{off} of {periods}"
    return out


def expected_backlog(path: Path) -> dict[str, str]:
    return {f"Backlog {c}": money(a) for c, a in
            sql(path, "select currency_code, sum(amount) from marts.rpt_unbilled_backlog group by 1")}


def entity_currency(path: Path, entity: str) -> str:
    return sql(path, "select accounting_currency_code from marts.dim_legal_entities where legal_entity = ?",
               [entity])[0][0]


def total_or_dash(path: Path, report: str, column: str, entity: str) -> str:
    """The page's total: the sum, or — when a row of it is NULL (an amount without exchange rate)."""
    [(missing, total)] = sql(path, f"select count(*) filter (where {column} is null), sum({column}) "
                                   f"from marts.{report} where legal_entity = ?", [entity])
    return "—" if missing else money(total)


def expected_profitability(path: Path, entity: str, report: str = "rpt_work_order_profitability") -> dict[str, str]:
    cur = entity_currency(path, entity)
    out = {f"Actual sales {cur}": total_or_dash(path, report, "actual_sales", entity),
           f"Actual cost {cur}": total_or_dash(path, report, "actual_cost", entity),
           f"Actual margin {cur}": total_or_dash(path, report, "actual_margin", entity),
           f"Estimated margin {cur}": total_or_dash(path, report, "estimated_margin", entity),
           f"Estimated cost {cur}": total_or_dash(path, "rpt_estimate_vs_actual", "estimated_cost", entity),
           f"Estimated sales {cur}": total_or_dash(path, "rpt_estimate_vs_actual", "estimated_sales", entity)}
    for variance, actual, estimated in (("Cost", "actual_cost", "estimated_cost"),
                                        ("Sales", "actual_sales", "estimated_sales")):
        [(missing, total)] = sql(path, f"select count(*) filter (where {actual} is null or {estimated} is null), "
                                       f"sum({actual} - {estimated}) from marts.rpt_estimate_vs_actual "
                                       "where legal_entity = ?", [entity])
        out[f"{variance} variance {cur}"] = "—" if missing else money(total)
    return out


def expected_invoices(path: Path) -> dict[str, str]:
    out = {}
    for currency, n, net, tax, total in sql(path, """
            select currency_code, count(*), sum(net_amount), sum(tax_amount), sum(total_amount)
            from marts.fct_customer_invoices group by 1"""):
        out |= {f"Invoices {currency}": f"{n:,}", f"Net {currency}": money(net), f"Tax {currency}": money(tax),
                f"Total {currency}": money(total)}
    return out


def expected_data_quality(path: Path) -> dict[str, str]:
    [(n, reasons)] = sql(path, "select count(*), count(distinct reason_code) from marts.rpt_rejected_rows")
    [(ignored,)] = sql(path, "select count(*) from marts.rpt_ignored_files")
    return {"Rejected rows": f"{n:,}", "Reasons": f"{reasons:,}", "Ignored files": f"{ignored:,}"}


def trace_work_order(path: Path) -> tuple[str, str]:
    """A work order with the whole chain: invoiced on two customer invoices, posted, from several MULs."""
    [(work_order_id, number)] = sql(path, """
        select d.work_order_id, w.work_order_number from marts.fct_customer_invoice_line_details as d
        join marts.dim_work_orders as w using (work_order_id)
        group by all order by count(distinct d.invoice_id) desc, count(*) desc, w.work_order_number limit 1""")
    return work_order_id, number


def expected_trace(path: Path, work_order_id: str) -> dict[str, str]:
    [(muls,)] = sql(path, "select count(*) from marts.fct_material_usage_logs where work_order_id = ?", [work_order_id])
    [(actuals,)] = sql(path, "select count(*) from marts.fct_project_actuals where work_order_id = ?", [work_order_id])
    [(invoices,)] = sql(path, "select count(distinct invoice_id) from marts.fct_customer_invoice_line_details "
                              "where work_order_id = ?", [work_order_id])
    # the GL legs of the work order as fct_trace links them (posting links), not as the page selects them
    legs = sql(path, """
        select g.accounting_currency_code, count(*), sum(g.debit_amount), sum(g.credit_amount)
        from marts.fct_gl_entries as g
        where g.gl_entry_id in (select to_id from marts.fct_trace where link = 'posting' and work_order_id = ?)
        group by 1""", [work_order_id])
    out = {"Material usage logs": f"{muls:,}", "Actuals": f"{actuals:,}", "Invoices": f"{invoices:,}",
           "GL legs": f"{sum(n for _, n, _, _ in legs):,}"}
    for currency, _, debit, credit in legs:
        out |= {f"GL debit {currency}": money(debit), f"GL credit {currency}": money(credit)}
    return out


# --- 1. AppTest: every page's numbers equal SQL on the marts -----------------------------------------------------

def test_overview_numbers_equal_the_marts(published):
    at = page("overview")
    assert metrics(at) == expected_overview(published)
    assert metrics(at)["Reconciliation stages with a difference"].startswith("0 of ")  # the demo reconciles
    assert [s.value for s in at.success] and not at.error
    reconciliation, trial_balance = (d.value for d in at.dataframe)
    assert rows(reconciliation, ["stage_order", "stage", "row_count", "amount", "difference"]) == sql(
        published, "select stage_order, stage, row_count, amount, difference from marts.rpt_pipeline_reconciliation "
                   "order by stage_order")
    assert rows(trial_balance, ["legal_entity", "period", "debit", "credit", "difference"]) == sql(published, """
        select legal_entity, period, sum(debit_amount), sum(credit_amount), sum(net_amount)
        from marts.rpt_trial_balance group by all order by 1, 2""")


def test_backlog_numbers_equal_the_marts(published):
    at = page("backlog")
    assert metrics(at) == expected_backlog(published)
    at.selectbox(key="currency").select("GBP").run()
    aging, by_reason, items, blocked = (d.value for d in at.dataframe)
    buckets = {0: "0–30 days", 1: "31–60 days", 2: "61–90 days", 3: "over 90 days"}
    expected_aging = sql(published, """
        select least((greatest(age_days, 1) - 1) // 30, 3) as bucket, backlog_reason, count(*), sum(amount)
        from marts.rpt_unbilled_backlog where currency_code = 'GBP' group by all order by 1, 2""")
    assert rows(aging, ["age", "backlog_reason", "items", "amount"]) == [
        (buckets[b], reason, n, amount) for b, reason, n, amount in expected_aging]
    assert rows(by_reason, ["backlog_reason", "items", "amount", "oldest_days"]) == sql(published, """
        select backlog_reason, count(*), sum(amount), max(age_days) from marts.rpt_unbilled_backlog
        where currency_code = 'GBP' group by 1 order by 1""")
    assert sorted(items["item_id"]) == [r[0] for r in sql(
        published, "select item_id from marts.rpt_unbilled_backlog where currency_code = 'GBP' order by 1")]
    assert sum(items["amount"]) == Decimal(metrics(at)["Backlog GBP"].replace(",", ""))
    assert list(items["age_days"]) == sorted(items["age_days"], reverse=True)  # oldest first
    assert rows(blocked, ["stage", "blocked_by", "currency_code", "lines", "amount_at_risk"]) == sql(published, """
        select stage, blocked_by, currency_code, count(*), sum(amount_at_risk) from marts.rpt_line_completeness
        where blocked_by is not null group by all order by 1, 2, 3""")


LEVELS = [("Work order", "rpt_work_order_profitability", "work_order_number"),
          ("Project", "rpt_project_profitability", "project_name"),
          ("Customer", "rpt_customer_profitability", "customer_name")]


def test_profitability_numbers_equal_the_reports(published):
    at = page("profitability")
    # USMF: every rate known; DEMF: amounts without a rate to EUR (their totals show —, never a partial sum)
    for (level, report, key), entity in itertools.product(LEVELS, ("USMF", "DEMF")):
        at.selectbox(key="legal_entity").select(entity).run()
        at.segmented_control(key="level").set_value(level).run()
        assert not at.exception, [e.message for e in at.exception]
        assert metrics(at) == expected_profitability(published, entity, report)
        [(missing,)] = sql(published, f"select sum(amounts_without_exchange_rate) from marts.{report} "
                                      "where legal_entity = ?", [entity])
        assert bool(at.warning) == bool(missing)
        shown = at.dataframe[0].value
        columns = [key, "actual_cost", "actual_sales", "actual_margin", "actual_margin_percent"]
        assert sorted(rows(shown, columns), key=str) == sorted(sql(published, f"""
            select {key}, actual_cost, actual_sales, actual_margin, actual_margin_percent
            from marts.{report} where legal_entity = ?""", [entity]), key=str)
        lines = at.dataframe[1].value
        assert sorted(lines["work_order_line_id"]) == [r[0] for r in sql(published, """
            select work_order_line_id from marts.rpt_estimate_vs_actual where legal_entity = ? order by 1""",
            [entity])]
    assert metrics(at)["Actual cost EUR"] != "—"  # DEMF has costs in EUR: only the converted sales lack a rate


def test_invoices_numbers_equal_the_marts(published):
    at = page("invoices")
    assert metrics(at) == expected_invoices(published)
    invoices, proformas = (d.value for d in at.dataframe)
    assert rows(invoices, ["invoice_number", "currency_code", "total_amount", "total_amount_accounting"]) == sql(
        published, """select invoice_number, currency_code, total_amount, total_amount_accounting
                      from marts.fct_customer_invoices order by invoice_date desc, invoice_number""")
    assert rows(proformas, ["status", "currency_code", "invoices", "total_amount"]) == sql(published, """
        select status, currency_code, count(*), sum(total_amount) from marts.fct_proforma_invoices
        group by all order by 1, 2""")
    [(number,)] = sql(published, "select invoice_number from marts.fct_customer_invoices "
                                 "order by line_count desc, invoice_number limit 1")
    at.selectbox(key="invoice").select(number).run()
    lines = at.dataframe[0].value
    assert rows(lines, ["customer_invoice_line_id", "net_amount", "tax_amount", "total_amount"]) == sql(published, """
        select customer_invoice_line_id, net_amount, tax_amount, total_amount from marts.fct_customer_invoice_lines
        where invoice_number = ? order by 1""", [number])


def test_data_quality_shows_rejected_rows_with_their_delivered_values(published):
    at = page("data_quality")
    assert metrics(at) == expected_data_quality(published)
    assert rows(at.dataframe[0].value, ["reason_code", "stage", "rows"]) == sql(published, """
        select reason_code, stage, count(*) from marts.rpt_rejected_rows group by all order by 3 desc, 1, 2""")
    for reason in ("bad_type", "unparseable_row"):
        at.selectbox(key="reason").select(reason).run()
        delivered = sql(published, "select table_name, file_name, row_number, raw_row from marts.rpt_rejected_rows "
                                   "where reason_code = ? order by 1, 2, 3", [reason])
        tables = sorted({t for t, *_ in delivered})
        per_table = [d.value for d in at.dataframe][1:1 + len(tables)]
        assert len(per_table) == len(tables)
        for table, shown in zip(tables, per_table, strict=True):
            for (file_name, row_number, raw), (_, row) in zip(
                    [(f, n, r) for t, f, n, r in delivered if t == table], shown.iterrows(), strict=True):
                assert (row["file_name"], row["row_number"]) == (file_name, row_number)
                try:
                    values = {k: None if v is None else str(v) for k, v in json.loads(raw, parse_float=str, parse_int=str).items()}
                except ValueError:  # unparseable_row keeps the delivered text
                    values = {"delivered text": raw}
                assert {k: None if pd.isna(row[k]) else str(row[k]) for k in values} == values


def test_trace_follows_one_work_order_from_muls_to_gl(published):
    work_order_id, number = trace_work_order(published)
    at = page("trace", {"work_order": number})
    assert metrics(at) == expected_trace(published, work_order_id)
    assert int(metrics(at)["Invoices"]) >= 2
    completeness, muls, actual_totals, actuals, invoices, gl, chain = (d.value for d in at.dataframe)
    assert sorted(muls["mul_id"]) == [r[0] for r in sql(
        published, "select mul_id from marts.fct_material_usage_logs where work_order_id = ? order by 1",
        [work_order_id])]
    assert sorted(actuals["actual_id"]) == [r[0] for r in sql(
        published, "select actual_id from marts.fct_project_actuals where work_order_id = ? order by 1",
        [work_order_id])]
    assert rows(invoices, ["invoice_number", "net_amount", "tax_amount"]) == sql(published, """
        select i.invoice_number, sum(d.net_amount), sum(d.tax_amount) from marts.fct_customer_invoice_line_details d
        join marts.fct_customer_invoices i using (invoice_id) where d.work_order_id = ?
        group by i.invoice_number, i.invoice_date order by i.invoice_date, 1""", [work_order_id])
    assert sorted(gl["gl_entry_id"]) == [r[0] for r in sql(published, """
        select distinct to_id from marts.fct_trace where link = 'posting' and work_order_id = ? order by 1""",
        [work_order_id])]
    assert len(chain) == sql(published, "select count(*) from marts.fct_trace where work_order_id = ?",
                             [work_order_id])[0][0]
    assert sorted(completeness["work_order_line_id"]) == [r[0] for r in sql(
        published, "select work_order_line_id from marts.rpt_line_completeness where work_order_id = ? order by 1",
        [work_order_id])]
    # its id in the address works too, and choosing another work order shows that one
    assert metrics(page("trace", {"work_order": work_order_id})) == metrics(at)
    [(other_id, other)] = sql(published, "select work_order_id, work_order_number from marts.dim_work_orders "
                                         "where work_order_number <> ? order by 2 limit 1", [number])
    at.selectbox(key="work_order").select(other).run()
    assert metrics(at) == expected_trace(published, other_id)
    assert at.query_params["work_order"] == other


def test_a_new_publication_is_read_on_the_next_rerun_and_no_lock_is_kept(published, tmp_path):
    """Publishing renames a new file over the old one: the next rerun reads it (the cache does not hide it), and
    between reruns the dashboard holds no lock — another process can open the file for writing."""
    at = page("overview")
    assert metrics(at)["Reconciliation stages with a difference"].startswith("0 of ")
    held = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
                           str(published)], capture_output=True, text=True)
    assert held.returncode == 0, f"the dashboard keeps {published} locked between reruns: {held.stderr}"
    original = tmp_path / "original.duckdb"
    shutil.copy(published, original)
    broken = tmp_path / "next.duckdb"
    shutil.copy(published, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("update marts.rpt_pipeline_reconciliation set difference = 0.01 where stage_order = 6")
        con.execute("update meta.publication set published_at = now() + interval 1 second")
    try:
        os.replace(broken, published)  # as publish() replaces it
        at.run()
        stages = sql(published, "select count(*) from marts.rpt_pipeline_reconciliation")[0][0]
        assert metrics(at)["Reconciliation stages with a difference"] == f"1 of {stages}"
        assert at.error
    finally:
        os.replace(original, published)
    at.run()
    assert metrics(at)["Reconciliation stages with a difference"] == f"0 of {stages}"


def test_no_published_file_says_what_to_do(published, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDLEDGER_WAREHOUSE", str(tmp_path / "nothing.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert [e.value for e in at.error] == [f"no published warehouse at {tmp_path / 'nothing.duckdb'}: run `make run` "
                                           "first (or set FIELDLEDGER_WAREHOUSE to a published fieldledger.duckdb)"]
    assert not at.metric


# --- 2. a real headless Chromium on `streamlit run` --------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 9)  # its own session: the server (or browser) and every child it started
    process.wait()


@pytest.fixture(scope="module")
def server(published, tmp_path_factory):
    """`streamlit run` of the app on a free port, as `make dashboard` starts it, on the published demo file."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1", "--server.port",
             str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"],
            cwd=REPO_ROOT, env={**os.environ, "FIELDLEDGER_WAREHOUSE": str(published)}, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + WAIT
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit run exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit run did not answer /_stcore/health in {WAIT} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


class Chromium:
    """Headless Chromium driven over the DevTools protocol: load a page, wait for Streamlit to finish, read the DOM.

    `--dump-dom` with a virtual time budget returns whatever the page holds when the budget runs out — with a
    websocket app that is the empty shell or half a page depending on the machine's load — so the test waits for
    what it asserts instead."""

    def __init__(self, profile: Path):
        from websockets.sync.client import connect  # streamlit's own dependency

        binary = shutil.which("chromium")
        if binary is None:
            pytest.fail("chromium is not installed: `make chromium` (or make test) installs Debian's package")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
             "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None:
                pytest.fail(f"chromium could not start ({self.process.returncode}):\n"
                            f"{self.process.stderr.read().decode(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                stop(self.process)
                pytest.fail(f"chromium started but opened no DevTools port in {WAIT} s")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        self.socket = connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=WAIT, legacy=True)
        self.ids = itertools.count(1)

    def call(self, method: str, **params):
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=WAIT))
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"chromium {method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def close(self) -> None:
        self.socket.close()
        stop(self.process)


# what the page shows once rendered: the app's state, its title, metrics, charts drawn, exceptions
RENDERED = """(() => {
  const app = document.querySelector('[data-testid=stApp]');
  return {state: app ? app.dataset.testScriptState : null,
          title: [...document.querySelectorAll('h1')].map(e => e.innerText.trim()),
          metrics: [...document.querySelectorAll('[data-testid=stMetric]')].map(e => e.innerText.split(/\\s+/).join(' ')),
          charts: document.querySelectorAll('[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg').length,
          exceptions: [...document.querySelectorAll('[data-testid=stException]')].map(e => e.innerText)};
})()"""


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    chromium = Chromium(Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp(), prefix="chromium-")))
    yield chromium
    chromium.close()


def browser_pages(path: Path) -> list[tuple[str, str, str, dict[str, str]]]:
    work_order_id, number = trace_work_order(path)
    expected = {
        "": ("Overview", expected_overview(path)),
        "backlog": ("Unbilled backlog and aging", expected_backlog(path)),
        "profitability": ("Profitability", expected_profitability(path, "DEMF")),  # the first legal entity
        "invoices": ("Invoices", expected_invoices(path)),
        "data-quality": ("Data quality", expected_data_quality(path)),
        "trace": ("Trace", expected_trace(path, work_order_id)),
    }
    assert list(expected) == [p.url_path for p in PAGES], "a page was added: say here what it shows"
    return [(p.url_path or "overview", p.url_path + (f"?work_order={number}" if p.url_path == "trace" else ""),
             *expected[p.url_path]) for p in PAGES]


def test_every_page_renders_in_a_real_browser(published, server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, address, title, expected in browser_pages(published):
        browser.call("Page.navigate", url=f"{server}/{address}")
        wanted = {f"{label} {value}" for label, value in expected.items()}
        deadline = time.monotonic() + WAIT
        while True:
            seen = browser.evaluate(RENDERED)
            done = seen["state"] == "notRunning" and title in seen["title"] and wanted <= set(seen["metrics"])
            if done and seen["charts"] or seen["exceptions"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
        (ARTIFACTS / f"dashboard-{name}.png").write_bytes(shot)
        assert not seen["exceptions"], f"{name}: the page raised: {seen['exceptions']}"
        assert title in seen["title"], f"{name}: title {title!r} not shown: {seen}"
        assert wanted <= set(seen["metrics"]), f"{name}: metrics missing {sorted(wanted - set(seen['metrics']))}"
        assert seen["charts"] >= 1, f"{name}: no chart drawn: {seen}"
        assert shot.startswith(b"\x89PNG") and len(shot) > 10_000, f"{name}: no screenshot"


def test_an_open_page_shows_a_new_publication_by_itself(published, server, browser, tmp_path):
    """The page in the browser is not reloaded: its watcher sees the renamed file and reruns it (D-UI1)."""
    label = "Reconciliation stages with a difference"
    stages = sql(published, "select count(*) from marts.rpt_pipeline_reconciliation")[0][0]

    def shown_after_load(value: str) -> list[str]:
        deadline = time.monotonic() + WAIT
        while True:
            shown = [m for m in browser.evaluate(RENDERED)["metrics"] if m.startswith(label)]
            if shown == [f"{label} {value}"] or time.monotonic() > deadline:
                return shown
            time.sleep(0.3)

    browser.call("Page.navigate", url=f"{server}/")
    assert shown_after_load(f"0 of {stages}") == [f"{label} 0 of {stages}"]
    original, broken = tmp_path / "original.duckdb", tmp_path / "next.duckdb"
    shutil.copy(published, original)
    shutil.copy(published, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("update marts.rpt_pipeline_reconciliation set difference = 0.01 where stage_order = 6")
        con.execute("update meta.publication set published_at = now() + interval 1 second")
    try:
        os.replace(broken, published)
        assert shown_after_load(f"1 of {stages}") == [f"{label} 1 of {stages}"]
    finally:
        os.replace(original, published)
