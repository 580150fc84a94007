"""Profitability per work order, project or customer and estimate vs actual, in accounting currency."""

import altair as alt
import streamlit as st

from orchestration.dashboard import queries as q
from orchestration.dashboard.warehouse import as_float, header, money, open_reader, table

with open_reader() as reader:
    header(reader, "Profitability", "Accounting currency of the legal entity; fixed-price sales = recognized revenue "
           "allocated to the work orders")
    entities = reader.df(q.LEGAL_ENTITIES)
    labels = {row.legal_entity: f"{row.legal_entity} ({row.accounting_currency_code})" for row in entities.itertuples()}
    entity = st.selectbox("Legal entity", list(labels), format_func=labels.get, key="legal_entity")
    level = st.segmented_control("Per", list(q.PROFITABILITY_LEVELS), default="Work order", key="level") or "Work order"
    currency = entities.set_index("legal_entity").loc[entity, "accounting_currency_code"]
    totals = reader.df(q.profitability_totals(level), (entity,)).iloc[0]
    rows = reader.df(q.profitability_rows(level), (entity,))
    eva_totals = reader.df(q.ESTIMATE_VS_ACTUAL_TOTALS, (entity,)).iloc[0]
    eva_projects = reader.df(q.ESTIMATE_VS_ACTUAL_BY_PROJECT, (entity,))
    eva_lines = reader.df(q.ESTIMATE_VS_ACTUAL_LINES, (entity,))

if totals["amounts_without_exchange_rate"]:
    st.warning(f"{int(totals['amounts_without_exchange_rate'])} amounts of {entity} have no exchange rate to "
               f"{currency}: their rows and the totals that include them show — (never a partial sum).")
cols = st.columns(4)
cols[0].metric(f"Actual sales {currency}", money(totals["actual_sales"]))
cols[1].metric(f"Actual cost {currency}", money(totals["actual_cost"]))
cols[2].metric(f"Actual margin {currency}", money(totals["actual_margin"]))
cols[3].metric(f"Estimated margin {currency}", money(totals["estimated_margin"]))

key = rows.columns[0]
st.subheader(f"Margin per {level.lower()} ({currency}), top 20 by actual margin")
top = as_float(rows.dropna(subset=["actual_margin"]).head(20), "estimated_margin", "actual_margin")
st.altair_chart(alt.Chart(top.melt(id_vars=key, value_vars=["estimated_margin", "actual_margin"], var_name="margin",
                                   value_name="amount")).mark_bar().encode(
    y=alt.Y(f"{key}:N", sort=None, title=None), x=alt.X("amount:Q", title=currency), yOffset="margin:N",
    color=alt.Color("margin:N", title=None), tooltip=[key, "margin", alt.Tooltip("amount:Q", format=",.2f")]))
table(rows)

st.subheader(f"Estimate vs actual ({currency})")
cols = st.columns(4)
cols[0].metric(f"Estimated cost {currency}", money(eva_totals["estimated_cost"]))
cols[1].metric(f"Cost variance {currency}", money(eva_totals["cost_variance"]), help="actual − estimated")
cols[2].metric(f"Estimated sales {currency}", money(eva_totals["estimated_sales"]))
cols[3].metric(f"Sales variance {currency}", money(eva_totals["sales_variance"]), help="actual − estimated")
measures = ["estimated_cost", "actual_cost", "estimated_sales", "actual_sales"]
st.altair_chart(alt.Chart(as_float(eva_projects, *measures).melt(
    id_vars="project_name", value_vars=measures, var_name="measure", value_name="amount")).mark_bar().encode(
    y=alt.Y("project_name:N", title=None), x=alt.X("amount:Q", title=currency), yOffset="measure:N",
    color=alt.Color("measure:N", title=None, sort=measures),
    tooltip=["project_name", "measure", alt.Tooltip("amount:Q", format=",.2f")]))
st.caption("Per project (projects with an amount lacking an exchange rate are left out of the chart). "
           "Lines below: the largest cost variance first.")
table(eva_lines)
