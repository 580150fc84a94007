"""Trace (SPEC §3.1): one work order → its MULs, actuals, invoices and GL legs, and the whole chain from fct_trace.

The work order can be given in the address: /trace?work_order=WO-0000114 (its number or its id).
"""

import altair as alt
import streamlit as st

from orchestration.dashboard import queries as q
from orchestration.dashboard.warehouse import as_float, header, money, open_reader, table

with open_reader() as reader:
    header(reader, "Trace", "Work order → material usage logs → actuals → invoices → GL legs")
    work_orders = reader.df(q.TRACE_WORK_ORDERS)
    numbers = work_orders["work_order_number"].tolist()
    labels = {row.work_order_number: f"{row.work_order_number} · {row.legal_entity} · "
                                     f"{row.project_name or 'no project'}" for row in work_orders.itertuples()}
    asked = st.query_params.get("work_order")
    by_id = dict(zip(work_orders["work_order_id"], numbers, strict=True))
    asked = by_id.get(asked, asked)
    if asked and asked not in labels:
        st.warning(f"Work order {asked!r} (from the address) is not in the published warehouse: choose one below.")
    chosen = st.selectbox("Work order", numbers, index=numbers.index(asked) if asked in labels else None,
                          format_func=labels.get, key="work_order", placeholder="choose a work order")
    if chosen is None:
        st.info("Choose a work order, or open /trace?work_order=<number or id>.")
        st.stop()
    st.query_params["work_order"] = chosen
    work_order_id = work_orders.loc[work_orders["work_order_number"] == chosen, "work_order_id"].iloc[0]
    info = reader.df(q.TRACE_HEADER, (work_order_id,)).iloc[0]
    muls = reader.df(q.TRACE_MULS, (work_order_id,))
    actual_totals = reader.df(q.TRACE_ACTUAL_TOTALS, (work_order_id,))
    actuals = reader.df(q.TRACE_ACTUALS, (work_order_id,))
    invoices = reader.df(q.TRACE_INVOICES, (work_order_id,))
    gl_totals = reader.df(q.TRACE_GL_TOTALS, (work_order_id,))
    gl = reader.df(q.TRACE_GL, (work_order_id,))
    completeness = reader.df(q.TRACE_COMPLETENESS, (work_order_id,))
    chain = reader.df(q.TRACE_CHAIN, (work_order_id,))

st.markdown(f"**{info['work_order_number']}** ({info['system_status']}) · {info['legal_entity']} · "
            f"{info['project_name'] or 'no project'} ({info['billing_method'] or '—'}) · "
            f"customer {info['customer_name'] or '—'} · `{work_order_id}`")
cols = st.columns(4)
cols[0].metric("Material usage logs", f"{len(muls):,}")
cols[1].metric("Actuals", f"{len(actuals):,}")
cols[2].metric("Invoices", f"{invoices['invoice_id'].nunique():,}")
cols[3].metric("GL legs", f"{len(gl):,}")
for row in gl_totals.itertuples():
    cols = st.columns(2)
    cols[0].metric(f"GL debit {row.accounting_currency_code}", money(row.debit))
    cols[1].metric(f"GL credit {row.accounting_currency_code}", money(row.credit))

st.subheader("Where its lines are (rpt_line_completeness)")
table(completeness)
st.subheader("Material usage logs")
table(muls)
st.subheader("Actuals")
if not actual_totals.empty:
    st.altair_chart(alt.Chart(as_float(actual_totals, "amount")).mark_bar().encode(
        x=alt.X("transaction_type:N", title=None), y=alt.Y("amount:Q", title="amount"),
        color=alt.Color("currency_code:N", title="currency"), xOffset="currency_code:N",
        tooltip=["transaction_type", "currency_code", "actuals", alt.Tooltip("amount:Q", format=",.2f")]))
table(actual_totals)
table(actuals)
st.subheader("Invoices (its billed items on each customer invoice)")
table(invoices)
st.subheader("GL legs")
table(gl)
with st.expander(f"The whole chain (fct_trace, {len(chain):,} links)"):
    table(chain)
