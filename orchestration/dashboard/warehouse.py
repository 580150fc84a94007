"""Reading the published warehouse for the dashboard: read-only, one short connection per rerun, cached per publication.

Publishing replaces the file by a rename (orchestration/publish.py). Each rerun of a page opens the file that is
there now, reads `meta.publication.published_at` and answers every query from that one connection (or from the cache
of the same publication), then closes it: a page never mixes two publications, never holds the file between reruns,
and the pipeline's writer never waits for the dashboard. The file is ATTACHed to an in-memory database rather than
opened by path, because DuckDB's per-process instance cache would hand back the replaced file while another session
of the dashboard still has it open.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from orchestration.settings import load_settings


def warehouse_path() -> Path:
    return load_settings().warehouse


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """Inode, mtime and size: a new publication changes at least the inode (a new file renamed over the old)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class NotPublished(RuntimeError):
    """No published warehouse file, or one that is not a fieldledger publication."""


class Reader:
    """One rerun's view of the published file; use as a context manager so the connection is closed at the end."""

    def __init__(self, path: Path):
        self.path = path
        self.signature = file_signature(path)
        if self.signature is None:
            raise NotPublished(f"no published warehouse at {path}: run `make run` first (or set FIELDLEDGER_WAREHOUSE "
                               "to a published fieldledger.duckdb)")
        self._con = duckdb.connect()
        try:
            self._con.execute("attach ? as warehouse (read_only)", [str(path)])
            self._con.execute("use warehouse")
            rows = self._con.sql("select published_at, build_file from meta.publication").fetchall()
        except duckdb.Error as exc:
            self._con.close()
            raise NotPublished(f"{path} is not a fieldledger publication ({str(exc).splitlines()[0]}): "
                               "point FIELDLEDGER_WAREHOUSE at the file `make run` publishes") from exc
        if len(rows) != 1:
            self._con.close()
            raise NotPublished(f"{path}: meta.publication has {len(rows)} rows, not 1: publish it again (make run)")
        self.published_at, self.build_file = rows[0]
        self.publication = f"{self.published_at.isoformat()}|{self.signature}"  # the cache key of this file

    def df(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        """The rows of `sql` as a DataFrame; DECIMAL money stays Decimal (exact), never float."""
        return _cached_query(self, self.publication, sql, tuple(params))

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_query(_reader: Reader, publication: str, sql: str, params: tuple) -> pd.DataFrame:
    # keyed on the publication (not the reader): a new publication misses the cache, an old one is never read again
    return _reader._con.sql(sql, params=list(params)).to_arrow_table().to_pandas()


@dataclass(frozen=True)
class Page:
    """What app.py registers: the script file, its title and its url path ("" = the root: the first page)."""

    file: str
    title: str
    url_path: str
    icon: str


PAGES = [
    Page("views/overview.py", "Overview", "", ":material/dashboard:"),
    Page("views/backlog.py", "Unbilled backlog", "backlog", ":material/hourglass_top:"),
    Page("views/profitability.py", "Profitability", "profitability", ":material/trending_up:"),
    Page("views/invoices.py", "Invoices", "invoices", ":material/receipt_long:"),
    Page("views/data_quality.py", "Data quality", "data-quality", ":material/rule:"),
    Page("views/trace.py", "Trace", "trace", ":material/account_tree:"),
]


def open_reader() -> Reader:
    """The Reader of this rerun, or an error on the page (and the page stops) when nothing is published."""
    try:
        return Reader(warehouse_path())
    except NotPublished as exc:
        st.error(str(exc))
        st.stop()
        raise  # st.stop() raises; for type checkers


def money(value) -> str:
    """A money amount as the dashboard writes it (2 decimals, thousands separated); — for NULL (a rate missing)."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return "—"
    return f"{Decimal(value):,.2f}"


def as_float(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Charts draw floats; the tables keep the exact Decimal amounts."""
    out = df.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column].map(lambda v: None if v is None else float(v)))
    return out


@st.fragment(run_every=10)
def watch_publication(signature: tuple[int, int, int] | None) -> None:
    """Rerun the page when a new publication replaces the file (a stat every 10 s, no connection)."""
    if file_signature(warehouse_path()) != signature:
        st.rerun()


def header(reader: Reader, title: str, caption: str) -> None:
    st.title(title)
    st.caption(f"{caption} · published {reader.published_at:%Y-%m-%d %H:%M:%S %Z} from {reader.build_file} · "
               f"{reader.path}")
    watch_publication(reader.signature)


def sql_in(values) -> str:
    """Placeholders for `in (...)`: one ? per value (values go to DuckDB as parameters)."""
    return ", ".join("?" for _ in values) or "null"


def table(frame: pd.DataFrame) -> None:
    """A table with every DECIMAL at its own scale (money 2 places, quantities 4): 0.00 is not shown as 0."""
    config = {}
    for column in frame.columns:
        sample = next((v for v in frame[column] if isinstance(v, Decimal)), None)
        if sample is not None:
            config[column] = st.column_config.NumberColumn(format=f"%.{max(-sample.as_tuple().exponent, 0)}f")
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
