"""Invoices: posted customer invoices per currency and month, one invoice's lines, and the proformas by status."""

import altair as alt
import streamlit as st

from orchestration.dashboard import queries as q
from orchestration.dashboard.warehouse import as_float, header, money, open_reader, table

with open_reader() as reader:
    header(reader, "Invoices", "Posted customer invoices (R26), transaction currency; tax included in total")
    totals = reader.df(q.INVOICE_TOTALS)
    per_month = reader.df(q.INVOICES_PER_MONTH)
    invoices = reader.df(q.INVOICE_LIST)
    proformas = reader.df(q.PROFORMA_STATUS)
    chosen = st.selectbox("Invoice", invoices["invoice_number"].tolist(), index=None, key="invoice",
                          placeholder="choose an invoice to see its lines")
    lines = reader.df(q.INVOICE_LINES, (chosen,)) if chosen else None

for row in totals.itertuples():
    cols = st.columns(4)
    cols[0].metric(f"Invoices {row.currency_code}", f"{row.invoices:,}")
    cols[1].metric(f"Net {row.currency_code}", money(row.net_amount))
    cols[2].metric(f"Tax {row.currency_code}", money(row.tax_amount))
    cols[3].metric(f"Total {row.currency_code}", money(row.total_amount))

st.subheader("Invoiced per month")
st.altair_chart(alt.Chart(as_float(per_month, "total_amount")).mark_bar().encode(
    x=alt.X("period:N", title="period"), y=alt.Y("total_amount:Q", title="total"),
    color=alt.Color("currency_code:N", title="currency"), xOffset="currency_code:N",
    tooltip=["period", "currency_code", "invoices", alt.Tooltip("total_amount:Q", format=",.2f")]))

if lines is not None:
    st.subheader(f"Lines of {chosen}")
    table(lines)
st.subheader("Customer invoices, newest first")
table(invoices)
st.subheader("Proforma invoices by status (a draft waits for confirmation)")
table(proformas)
