"""Late and out-of-order data (SPEC R15 late versions, R17 approval versions, R21 executed runs, R5/R27 exact
money): two deliveries into one raw folder and a run after each, as a scheduled pipeline sees them. Each scenario
has its expected figures; the invariant tests I1–I7 run inside every build."""

import hashlib
from decimal import Decimal as D

import pytest
from conftest import Warehouse
from delivery_builder import FIXED_PRICE, Delivery

CANCELED = 690970005


def mul_id(line: str, revision: int) -> str:
    return hashlib.md5(f"{line}|{revision}".encode()).hexdigest()  # the hash_id macro of (line, revision)


def net(w: Warehouse, line: str) -> dict[str, D]:
    return dict(w.query("""select transaction_type, sum(amount) from marts.fct_project_actuals
                           where work_order_line_id = ? group by 1""", [line]))


@pytest.fixture(scope="module")
def late(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("late")
    d = Delivery.example_a()
    # R15: a line used on 03-01 (2 × 40.00, cost 2 × 15.00) and changed on 03-20 (3 ×); its work order's cancel of
    # 03-15 arrives only in the second delivery
    d.project("late")
    d.used("late-line", "2026-03-01T10:00:00Z", "wo-late", "2", msdyn_estimatequantity="2")
    d.used("late-line", "2026-03-20T10:00:00Z", "wo-late", "3", msdyn_estimatequantity="2")
    # R21: a contract with nothing to bill at its 04-01 run; its March usage arrives in May
    d.project("quiet")
    # R27: 10,000,000.00 fixed price, estimated cost 3 × 15.00, one third used in March
    d.project("fp10m", billing_method=FIXED_PRICE, contracted="10000000.00")
    d.used("fp10m-line", "2026-03-10T10:00:00Z", "wo-fp10m", "1", msdyn_estimatequantity="3")
    w = Warehouse(root)
    w.build(d.write(root / "delivery"), as_of_date="2026-04-15")
    w.first_run = {  # what run 1 published, to prove it never moves
        "invoices": w.query("select * from marts.fct_invoice_line_details order by all"),
        "actuals": w.query("select actual_id, amount, accounting_date from marts.fct_project_actuals order by all"),
    }
    w.first_late_net = net(w, "late-line")

    later = Delivery()
    later._version = 1000
    later.work_order("wo-late", "2026-03-15T08:00:00Z", project="proj-late", status=CANCELED,
                     createdon="2026-01-20T09:00:00Z", file="2026-05-02")
    later.used("quiet-line", "2026-03-10T10:00:00Z", "wo-quiet", "2", file="2026-05-03")
    later.write(root / "delivery")
    w.build(root / "delivery", as_of_date="2026-05-15", all_tests=True)
    return w


def test_r15_a_late_cancel_reverses_the_line_although_a_later_revision_was_recorded(late):
    # run 1 knew the line at 3 × : cost 45.00, sales 120.00 (billed on the 04-01 run)
    assert late.first_late_net == {"cost": D("45.00"), "unbilled_sales": D("0.00"), "billed_sales": D("120.00")}
    revisions = late.dicts("""select revision, is_usage, is_late, effective_at::varchar as at
                              from intermediate.int_line_revisions_recorded
                              where work_order_line_id = 'late-line' order by revision""")
    assert revisions == [
        {"revision": 1, "is_usage": True, "is_late": False, "at": "2026-03-01 10:00:00"},
        {"revision": 2, "is_usage": True, "is_late": False, "at": "2026-03-20 10:00:00"},
        # the cancel of 03-15 cannot go before revision 2: it takes effect at revision 2's time
        {"revision": 3, "is_usage": False, "is_late": True, "at": "2026-03-20 10:00:00"},
    ]
    # the line's actuals now equal those of its latest known state (canceled: nothing)
    assert net(late, "late-line") == {"cost": D("0.00"), "unbilled_sales": D("0.00"), "billed_sales": D("0.00")}
    assert late.query("""select amount, accounting_date::varchar from marts.fct_project_actuals
                         where work_order_line_id = 'late-line' and reversal_reason = 'line_change'
                         and transaction_type = 'cost' order by created_at""") == [
        (D("-30.00"), "2026-03-20"), (D("-45.00"), "2026-03-20")]
    # the billed 120.00 is credited on the next run not yet executed
    assert late.query("""select run_date::varchar, total_amount from marts.fct_proforma_invoices
                         where contract_id = 'so-late' order by run_date""") == [
        ("2026-04-01", D("120.00")), ("2026-05-01", D("-120.00"))]
    # current state agrees: no estimates for a canceled work order
    assert late.query("select count(*) from marts.fct_estimate_lines where work_order_line_id = 'late-line'") == [(0,)]


def test_r21_late_usage_goes_to_the_first_run_not_yet_executed(late):
    executed = late.query("""select run_date::varchar, executed_by_load_id from intermediate.int_invoice_runs_executed
                             where contract_line_id = 'cl-quiet' and run_date >= '2026-03-01' order by 1""")
    assert executed == [("2026-03-01", 1), ("2026-04-01", 1), ("2026-05-01", 2)]
    # used in March (known before 04-01) but delivered in May, after the 04-01 run was executed without an invoice
    assert late.query("""select run_date::varchar, total_amount from marts.fct_proforma_invoices
                         where contract_id = 'so-quiet'""") == [("2026-05-01", D("80.00"))]


def test_i9_what_run_1_published_is_unchanged_after_late_data(late):
    assert late.query("select * from marts.fct_invoice_line_details where run_date <= '2026-04-01' order by all"
                      ) == late.first_run["invoices"]
    after = set(late.query("select actual_id, amount, accounting_date from marts.fct_project_actuals order by all"))
    assert set(late.first_run["actuals"]) <= after


def test_r5_r27_revenue_recognition_is_exact_in_decimal(late):
    (row,) = late.dicts("""select cumulative_cost, estimated_cost, percent_complete, cumulative_revenue, period_revenue
                           from marts.fct_revenue_recognition where contract_line_id = 'cl-fp10m'
                           and period = '2026-03'""")
    assert row == {"cumulative_cost": D("15.00"), "estimated_cost": D("45.00"), "percent_complete": D("0.333333"),
                   "cumulative_revenue": D("3333333.33"), "period_revenue": D("3333333.33")}


def test_r17_the_current_approval_version_decides(tmp_path):
    d = Delivery.example_a()
    d.used("re-approved", "2026-03-02T10:00:00Z", "wo-1", "2")  # cost 30.00, sales 80.00
    d.used("withdrawn", "2026-03-02T10:00:00Z", "wo-1", "1")  # cost 15.00, sales 40.00
    d.used("deleted", "2026-03-02T10:00:00Z", "wo-1", "1")
    d.used("rejected", "2026-03-02T10:00:00Z", "wo-1", "1")
    for line in ("re-approved", "withdrawn", "deleted"):
        d.add("msdyn_projectapproval", msdyn_projectapprovalid=f"ap-{line}", msdyn_materialusagelog=mul_id(line, 1),
              msdyn_recordstage=2, msdyn_approvedon="2026-03-03T09:00:00Z", modifiedon="2026-03-03T09:00:00Z")
    d.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-rejected", msdyn_materialusagelog=mul_id("rejected", 1),
          msdyn_recordstage=1, modifiedon="2026-03-03T09:00:00Z")
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"), as_of_date="2026-03-20", auto_approve=False)
    assert net(w, "withdrawn") == {"cost": D("15.00"), "unbilled_sales": D("40.00")}
    assert net(w, "rejected") == {}

    later = Delivery()
    later._version = 1000
    later.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-re-approved",
              msdyn_materialusagelog=mul_id("re-approved", 1), msdyn_recordstage=1, modifiedon="2026-03-05T09:00:00Z")
    later.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-re-approved",
              msdyn_materialusagelog=mul_id("re-approved", 1), msdyn_recordstage=2, modifiedon="2026-03-08T09:00:00Z")
    later.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-withdrawn",
              msdyn_materialusagelog=mul_id("withdrawn", 1), msdyn_recordstage=1, modifiedon="2026-03-06T09:00:00Z")
    later.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-deleted", msdyn_materialusagelog=mul_id("deleted", 1),
              isdelete="true", modifiedon="2026-03-07T09:00:00Z")
    later.write(tmp_path / "delivery")
    w.build(tmp_path / "delivery", as_of_date="2026-03-20", auto_approve=False)

    # Rejected after Approved, or the approval deleted: the actuals it created are reversed at that version
    for line, day in (("withdrawn", "2026-03-06"), ("deleted", "2026-03-07")):
        assert net(w, line) == {"cost": D("0.00"), "unbilled_sales": D("0.00")}, line
        assert w.query("""select distinct accounting_date::varchar from marts.fct_project_actuals
                          where work_order_line_id = ? and reversal_reason = 'approval_withdrawn'""", [line]) == [(day,)]
    # Approved again: created again, once
    assert net(w, "re-approved") == {"cost": D("30.00"), "unbilled_sales": D("80.00")}
    assert w.query("""select created_at::varchar, amount from marts.fct_project_actuals
                      where work_order_line_id = 're-approved' and transaction_type = 'cost' order by created_at""") == [
        ("2026-03-03 09:00:00", D("30.00")), ("2026-03-05 09:00:00", D("-30.00")), ("2026-03-08 09:00:00", D("30.00"))]
    assert dict(w.query("""select work_order_line_id, approval_status from marts.fct_material_usage_logs""")) == {
        "re-approved": "approved", "withdrawn": "rejected", "deleted": "pending", "rejected": "rejected"}
