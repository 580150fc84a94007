"""The hand-written comparison ("the speed limit"): bench/handwritten/*.sql run by DuckDB directly, no dbt.

A script is plain DuckDB SQL with one placeholder, `{{ read('<table>') }}`, which becomes a subquery reading every
file of that table of the delivery (found as landing finds them) with explicit all-VARCHAR columns — the header's
columns, plus NULL for contract columns the files lack, so a table that is absent reads as empty. Statements run
one at a time on `duckdb.connect(file)` with every core; each is timed, and each table it creates is counted.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration.contract import BY_NAME
from orchestration.landing import discover, read_header

HANDWRITTEN_DIR = Path(__file__).parent / "handwritten"
SCRIPTS: dict[str, tuple[str, ...]] = {  # script → the pipeline stages it stands for
    "01_landing_staging.sql": ("landing", "staging"),
    "02_engine.sql": ("engine",),
    "03_billing.sql": ("billing",),
    "04_finance.sql": ("finance",),
}
_READ = re.compile(r"\{\{\s*read\('([a-z_]+)'\)\s*\}\}")
_CREATES = re.compile(r"create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?table\s+([\w.\"]+)", re.IGNORECASE)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_expressions(raw_dir: Path) -> dict[str, str]:
    """Table name → a subquery reading all its files as text (see the module docstring)."""
    files, _ = discover(raw_dir)
    by_table = defaultdict(list)
    for f in files:
        by_table[f.table.name].append(f)
    out: dict[str, str] = {}
    for name, table in BY_NAME.items():
        members = by_table.get(name, [])
        if not members:
            out[name] = "(select " + ", ".join(f"null::varchar as {_quote(c)}" for c in table.columns) + " where false)"
            continue
        header = read_header(members[0])
        paths = "[" + ", ".join(_literal(str(f.path)) for f in members) + "]"
        if members[0].fmt == "parquet":
            cols = ", ".join(f"cast({_quote(c)} as varchar) as {_quote(c)}" if c in header
                             else f"null::varchar as {_quote(c)}" for c in table.columns)
            out[name] = f"(select {cols} from read_parquet({paths}, union_by_name = true))"
            continue
        spec = "{" + ", ".join(f"{_literal(h)}: 'VARCHAR'" for h in header) + "}"
        cols = ", ".join(_quote(c) if c in header else f"null::varchar as {_quote(c)}" for c in table.columns)
        # ignore_errors: a record that does not parse is left out (landing keeps it as unparseable_row)
        out[name] = (f"(select {cols} from read_csv({paths}, columns = {spec}, header = true, auto_detect = false, "
                     f"delim = ',', quote = '\"', escape = '\"', ignore_errors = true))")
    return out


def render(sql: str, raw_dir: Path) -> str:
    reads = read_expressions(raw_dir) if _READ.search(sql) else {}

    def replace(match: re.Match) -> str:
        if match.group(1) not in reads:
            raise ValueError(f"read('{match.group(1)}'): no such table in orchestration/contract.py")
        return reads[match.group(1)]

    return _READ.sub(replace, sql)


def _label(query: str) -> tuple[str, str | None]:
    created = _CREATES.search(query)
    if created:
        return created.group(1), created.group(1)
    text = " ".join(line for line in query.splitlines() if not line.strip().startswith("--")).strip()
    return text[:60], None


def run_script(script: Path, db: Path, raw_dir: Path, progress: Callable[[str], None] = print) -> dict:
    """Run one script on `db`; returns its timings per statement and the row count of every table it created."""
    sql = render(script.read_text(encoding="utf-8"), raw_dir)
    started = time.perf_counter()
    statements, tables = [], {}
    with duckdb.connect(str(db)) as con:
        con.execute(f"set threads = {os.cpu_count() or 1}")
        con.execute("set TimeZone = 'UTC'")
        con.execute("set preserve_insertion_order = false")
        for statement in duckdb.extract_statements(sql):
            label, table = _label(statement.query)
            began = time.perf_counter()
            con.execute(statement.query)
            seconds = time.perf_counter() - began
            rows = con.execute(f"select count(*) from {table}").fetchone()[0] if table else None
            statements.append({"statement": label, "seconds": round(seconds, 3), "rows": rows})
            if table:
                tables[table] = rows
            progress(f"{script.stem}: {label} {seconds:.2f} s" + (f", {rows:,} rows" if rows is not None else ""))
        con.execute("checkpoint")
    return {"script": script.name, "seconds_inside": round(time.perf_counter() - started, 3),
            "statements": statements, "tables": tables}
