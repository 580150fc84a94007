"""Every invariant test can fail (issue 9): on a copy of the demo build, one corruption per invariant — the
kind of defect the invariant exists to catch — and its dbt test must report a failure (not an error)."""

import shutil

import duckdb
import pytest
from conftest import InProcessDbt, Warehouse

FIRST_COST = """(select min(actual_id) from marts.fct_project_actuals
                 where transaction_type = 'cost' and transaction_class = 'material' and reverses_actual_id is null)"""

# (test, corruption, dbt command): a test that reads a table is run on the corrupted table; the reconciliation
# report is rebuilt from corrupted upstream tables, so its differences are computed, not copied
CASES = {
    "i1_a_staged_row_lost": (
        "assert_i1_every_delivered_row_is_accounted_for",
        """delete from intermediate.int_work_order_products_validated
           where rowid = (select min(rowid) from intermediate.int_work_order_products_validated)""", "test"),
    "i2_an_approved_mul_without_its_cost_actual": (
        "assert_i2_one_mul_per_revision_and_actuals_per_approved_mul",
        f"delete from marts.fct_project_actuals where actual_id = {FIRST_COST}", "test"),
    "i3_an_actual_a_cent_off": (
        "assert_i3_actuals_sum_to_current_journal_amount",
        f"update marts.fct_project_actuals set amount = amount + 0.01 where actual_id = {FIRST_COST}", "test"),
    "i4_an_actual_reversed_twice": (
        "assert_i4_each_reversal_mirrors_its_original",
        """insert into marts.fct_project_actuals select * replace (md5(actual_id) as actual_id)
           from marts.fct_project_actuals where actual_id = (select min(actual_id) from marts.fct_project_actuals
                                                             where reversal_reason = 'line_change')""", "test"),
    "i5_a_confirmed_detail_that_is_not_billed": (
        "assert_i5_billed_and_unbilled_reconcile",
        """update marts.fct_invoice_line_details set amount = amount + 1
           where invoice_line_detail_id = (select min(invoice_line_detail_id) from marts.fct_invoice_line_details
                                           where invoice_status = 'confirmed')""", "test"),
    "i6_an_unbalanced_voucher": (
        "assert_i6_every_voucher_balances",
        """update marts.fct_gl_entries set debit_amount = debit_amount + 0.01
           where gl_entry_id = (select min(gl_entry_id) from marts.fct_gl_entries where debit_amount > 0)""", "test"),
    "i7_a_posted_invoice_off_its_proforma": (
        "assert_i7_customer_invoice_is_proforma_plus_tax",
        """update marts.fct_customer_invoices set total_amount = total_amount + 0.01
           where invoice_id = (select min(invoice_id) from marts.fct_customer_invoices)""", "test"),
    "reconciliation_a_rejected_row_missing_from_the_report": (
        "assert_pipeline_reconciliation_differences_are_zero",
        "delete from marts.rpt_rejected_rows where rowid = (select min(rowid) from marts.rpt_rejected_rows)",
        "build"),
    "reconciliation_a_mul_missing": (
        "assert_pipeline_reconciliation_differences_are_zero",
        """delete from marts.fct_material_usage_logs
           where mul_id = (select max(mul_id) from marts.fct_material_usage_logs)""", "build"),
}


@pytest.fixture(scope="module")
def copies(demo_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("corrupted")
    shared = Warehouse(root)  # one target path: dbt parses once for every case
    return demo_build, shared


@pytest.mark.parametrize("case", sorted(CASES))
def test_invariant_fails_on_the_defect_it_guards(copies, case):
    demo_build, w = copies
    test_name, corruption, command = CASES[case]
    w.build_db = w.root / case / "build.duckdb"
    w.build_db.parent.mkdir()
    shutil.copy(demo_build.build_db, w.build_db)
    with duckdb.connect(str(w.build_db)) as con:
        assert con.execute(corruption).fetchall()[0][0] == 1, "the corruption changed no row"
    select = test_name if command == "test" else f"rpt_pipeline_reconciliation {test_name}"
    result = InProcessDbt(w).run(command, "--select", select, check=False)
    statuses = result.statuses
    assert statuses[test_name] == "fail", statuses
