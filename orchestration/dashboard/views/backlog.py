"""Unbilled backlog and aging: what is not billed yet, why, since when; and where used lines are stuck (SPEC §3.2)."""

import altair as alt
import streamlit as st

from orchestration.dashboard import queries as q
from orchestration.dashboard.warehouse import as_float, header, money, open_reader, table

with open_reader() as reader:
    header(reader, "Unbilled backlog and aging", "Open unbilled items per currency, by reason and age at as_of_date")
    totals = reader.df(q.BACKLOG_TOTALS)
    blocked = reader.df(q.BACKLOG_BLOCKED_LINES)
    if totals.empty:
        by_reason = aging = items = None
    else:
        currency = st.selectbox("Currency", totals["currency_code"].tolist(), key="currency")
        by_reason = reader.df(q.BACKLOG_BY_REASON, (currency,))
        aging = reader.df(q.BACKLOG_AGING, (currency,))
        items = reader.df(q.BACKLOG_ITEMS, (currency,))

cols = st.columns(max(len(totals), 1))
for col, row in zip(cols, totals.itertuples(), strict=False):
    col.metric(f"Backlog {row.currency_code}", money(row.amount),
               help=f"{row.items} items, the oldest {row.oldest_days} days")
if totals.empty:
    st.info("Nothing is waiting to be billed.")
else:
    st.subheader(f"Aging ({currency})")
    st.altair_chart(alt.Chart(as_float(aging, "amount")).mark_bar().encode(
        x=alt.X("age:N", sort=None, title="age at as_of_date"), y=alt.Y("sum(amount):Q", title=f"amount {currency}"),
        color=alt.Color("backlog_reason:N", title="reason"),
        tooltip=["age", "backlog_reason", "items", alt.Tooltip("amount:Q", format=",.2f")]))
    table(aging)
    st.subheader(f"By reason ({currency})")
    table(by_reason)
    st.subheader(f"Items ({currency}), oldest first")
    table(items)

st.subheader("Used lines that are stuck, by stage and cause (rpt_line_completeness)")
table(blocked)
