"""Overview: billed, unbilled and backlog per currency; the pipeline reconciliation and the trial balance check."""

import altair as alt
import streamlit as st

from orchestration.dashboard import queries as q
from orchestration.dashboard.warehouse import as_float, header, money, open_reader, table

with open_reader() as reader:
    header(reader, "Overview", "Transaction currency; every difference below must be 0")
    amounts = reader.df(q.OVERVIEW_MONEY)
    reconciliation = reader.df(q.OVERVIEW_RECONCILIATION)
    trial_balance = reader.df(q.OVERVIEW_TRIAL_BALANCE)

stages_off = int((reconciliation["difference"] != 0).sum())
periods_off = int((trial_balance["difference"] != 0).sum())
checks = st.columns(2)
checks[0].metric("Reconciliation stages with a difference", f"{stages_off} of {len(reconciliation)}")
checks[1].metric("Trial balance periods out of balance", f"{periods_off} of {len(trial_balance)}")
if stages_off or periods_off:
    st.error("A reconciliation or trial balance difference is not zero: see the tables below (README, I1–I7).")
else:
    st.success("Reconciliation: every difference is 0. Trial balance: debits = credits in every legal entity "
               "and period.")

st.subheader("Billed, unbilled and backlog")
st.caption("Billed: sales actuals billed by confirmed invoices (net of tax). Unbilled: chargeable unbilled sales "
           "net of reversals. Backlog: open unbilled items and milestones (Unbilled backlog page).")
for row in amounts.itertuples():
    cols = st.columns(3)
    cols[0].metric(f"Billed {row.currency_code}", money(row.billed))
    cols[1].metric(f"Unbilled {row.currency_code}", money(row.unbilled))
    cols[2].metric(f"Backlog {row.currency_code}", money(row.backlog), help=f"{row.backlog_items} open items")

chart = as_float(amounts, "billed", "unbilled", "backlog").melt(
    id_vars="currency_code", value_vars=["billed", "unbilled", "backlog"], var_name="measure", value_name="amount")
st.altair_chart(alt.Chart(chart).mark_bar().encode(
    x=alt.X("measure:N", title=None, sort=["billed", "unbilled", "backlog"]), y=alt.Y("amount:Q", title="amount"),
    color="measure:N", column=alt.Column("currency_code:N", title="currency"),
    tooltip=["currency_code", "measure", alt.Tooltip("amount:Q", format=",.2f")]))

st.subheader("Pipeline reconciliation (I1–I7)")
table(reconciliation)

st.subheader("Trial balance per legal entity and period (accounting currency)")
table(trial_balance)
