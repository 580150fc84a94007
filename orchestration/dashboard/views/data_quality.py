"""Data quality: rejected input rows by reason with what was delivered (R4), and the files that were not read."""

import json

import altair as alt
import pandas as pd
import streamlit as st

from orchestration.dashboard import queries as q
from orchestration.dashboard.warehouse import header, open_reader, table


def delivered_values(rows: pd.DataFrame) -> pd.DataFrame:
    """The delivered row as columns (raw_row is a JSON object); a row that could not be parsed keeps its text."""
    def parse(text):
        try:
            value = json.loads(text, parse_float=str, parse_int=str)  # as delivered: 9.0000 stays 9.0000
        except (TypeError, ValueError):
            value = None
        return value if isinstance(value, dict) else {"delivered text": text}

    values = pd.DataFrame([parse(text) for text in rows["raw_row"]], index=rows.index)
    return pd.concat([rows[["file_name", "row_number", "reason"]], values.astype("string")], axis=1)


with open_reader() as reader:
    header(reader, "Data quality", "Rejected rows (rpt_rejected_rows) and ignored files (rpt_ignored_files)")
    by_reason = reader.df(q.REJECTED_BY_REASON)
    ignored = reader.df(q.IGNORED_FILES)
    reasons = sorted(by_reason["reason_code"].unique().tolist())
    reason = st.selectbox("Reason", reasons, key="reason") if reasons else None
    rejected = reader.df(q.REJECTED_ROWS, (reason,)) if reason else None

cols = st.columns(3)
cols[0].metric("Rejected rows", f"{int(by_reason['rows'].sum()):,}")
cols[1].metric("Reasons", f"{len(reasons):,}")
cols[2].metric("Ignored files", f"{len(ignored):,}")

st.subheader("Rejected rows by reason")
st.altair_chart(alt.Chart(by_reason).mark_bar().encode(
    y=alt.Y("reason_code:N", sort="-x", title=None), x=alt.X("sum(rows):Q", title="rows"),
    color=alt.Color("stage:N"), tooltip=["reason_code", "stage", "rows", "tables"]))
table(by_reason)

if rejected is not None:
    st.subheader(f"Rows rejected for {reason}, with the delivered values")
    for table_name, rows in rejected.groupby("table_name", sort=True):
        st.markdown(f"**{table_name}** — {len(rows)} rows")
        table(delivered_values(rows))
    with st.expander("As stored (rpt_rejected_rows)"):
        table(rejected)

st.subheader("Files not read")
if ignored.empty:
    st.write("Every delivered file was read.")
else:
    table(ignored)
