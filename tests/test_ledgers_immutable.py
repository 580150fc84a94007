"""I9 across runs, for every published ledger (issue 9): after run 1 of a generated history, deliver the rest of
it with late versions (rows held back from run 1), re-deliveries (run 1's files again under other names) and
cancellations of work orders already used, run again — and no row that run 1 published has changed in any column
but the statuses the SPEC lets change (§3: billing, adjustment and approval status, invoice status)."""

import pytest
from conftest import Warehouse
from delivery_builder import LateHistory
from ledgers import LEDGERS, changed_rows, ledger_rows


def snapshot(w: Warehouse) -> dict[str, dict[str, dict]]:
    return {mart: ledger_rows(w.build_db, mart) for mart in LEDGERS}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("immutable")
    history = LateHistory.generate(root / "history")
    delivery = root / "delivery"
    history.write_first(delivery)
    w = Warehouse(root)
    w.build(delivery)
    first = snapshot(w)
    history.write_rest(delivery)
    w.build(delivery)
    return w, first, snapshot(w)


@pytest.mark.parametrize("mart", sorted(LEDGERS))
def test_i9_no_published_ledger_row_changes(two_runs, mart):
    w, first, second = two_runs
    changed = changed_rows(mart, first[mart], second[mart])
    assert changed == [], f"{len(changed)} published row(s) of {mart} changed, e.g. {changed[:3]}"
    assert len(second[mart]) >= len(first[mart])


def test_the_second_run_added_reversals_late_revisions_and_new_rows(two_runs):
    w, first, second = two_runs
    assert len(second["fct_project_actuals"]) > len(first["fct_project_actuals"])
    assert w.query("select count(*) > 0 from intermediate.int_line_revisions_recorded where is_late")[0][0]
    assert w.query("""select count(*) > 0 from marts.fct_project_actuals a join marts.dim_work_orders w
                      using (work_order_id) where w.system_status = 'canceled' and a.reversal_reason = 'line_change'""")[0][0]
