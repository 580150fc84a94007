"""`python -m orchestration run` — the whole pipeline through Dagster on FIELDLEDGER_* settings, then a summary.
`python -m orchestration invoice-run --as-of-date D` — the same, with invoice runs stopped at D (R20).
`python -m orchestration summary` — the summary of the last run."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import uuid

from orchestration.settings import SettingsError, load_settings


def _run(as_of_date: str | None = None) -> int:
    import dagster as dg

    from orchestration.definitions import INVOICE_RUN_JOB_NAME, JOB_NAME, build_definitions
    from orchestration.runs import WriterWatch, process_tags, release_dead_runs
    from orchestration.summary import print_summary

    settings = load_settings()
    if as_of_date:
        settings = settings.with_run(as_of_date=as_of_date)
    print(f"fieldledger: delivery {settings.raw_dir}")
    print(f"fieldledger: build file {settings.build_db}, warehouse {settings.warehouse}")
    started = time.monotonic()
    persistent = bool(os.environ.get("DAGSTER_HOME"))
    instance = dg.DagsterInstance.get() if persistent else dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    print(f"fieldledger: run {run_id} (Dagster instance {os.environ.get('DAGSTER_HOME') or 'in memory'})",
          flush=True)
    for message in release_dead_runs(instance, by=run_id):  # a killed run would keep the writer slot for ever
        _say(message)
    job = build_definitions().resolve_job_def(INVOICE_RUN_JOB_NAME if as_of_date else JOB_NAME)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if as_of_date:
        run_config["as_of_date"] = settings.run["as_of_date"]
    watch = WriterWatch(instance, run_id, _say) if persistent else None
    if watch:
        watch.start()
    try:
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config,
                                        run_id=run_id, tags=process_tags())
    finally:
        if watch:
            watch.stop()
    if not result.success:
        print(failure_report(result, settings), file=sys.stderr, flush=True)
        return 1
    print_summary(settings)
    print(f"\nfieldledger: run {result.run_id} succeeded in {time.monotonic() - started:.1f} s")
    return 0


def _say(message: str) -> None:
    print(message, flush=True)


STEPS = {"landed_delivery": "landing the delivery", "fieldledger_dbt": "the dbt build (models and checks)",
         "published__warehouse": "publishing the warehouse", "exports__finance_batch": "the Finance export"}
DBT_ERRORS = "Errors parsed from dbt logs:"


def root_cause(error) -> tuple[str, str]:
    """(exception class, message) of the innermost cause of a Dagster step error (SerializableErrorInfo)."""
    while error.cause is not None:
        error = error.cause
    message = re.sub(r"\x1b\[[0-9;]*m", "", error.message).strip()  # dbt's colours
    message = re.sub(rf"^[\w.]*{re.escape(error.cls_name.rsplit('.', 1)[-1])}: ", "", message)
    if DBT_ERRORS in message:  # dagster-dbt: "The dbt CLI process … failed …", then what dbt said
        message = message.split(DBT_ERRORS, 1)[1].strip()
    return error.cls_name, message


def failure_report(result, settings) -> str:
    """The cause first, then exactly what this run published and what not (from the steps that succeeded)."""
    succeeded = {e.step_key for e in result.all_events if e.is_step_success}
    failures = [e for e in result.all_events if e.is_step_failure and e.step_failure_data]
    lines = [""]
    if failures:
        first = failures[0]
        cls, message = root_cause(first.step_failure_data.error)
        lines.append(f"fieldledger: the run FAILED in {STEPS.get(first.step_key, first.step_key)}: {message}")
        lines.append(f"  ({cls.rsplit('.', 1)[-1]} in step {first.step_key}; the traceback is above)")
        if cls == "KeyError" and re.match(r"'(model|test|seed|snapshot|unit_test)\.", message):
            lines.append("  (a dbt node the manifest does not know: the project changed after `make manifest`; "
                         "run `make manifest`, or `make run`, which does it)")
        for other in failures[1:]:
            lines.append(f"  also failed: {STEPS.get(other.step_key, other.step_key)}: "
                         f"{root_cause(other.step_failure_data.error)[1]}")
    else:
        messages = [e.message for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE" and e.message]
        lines.append("fieldledger: the run FAILED: " + (messages[-1] if messages else "see the log above"))
    published = "published__warehouse" in succeeded
    exported = "exports__finance_batch" in succeeded
    lines.append("")
    if published:
        lines.append(f"  warehouse:      PUBLISHED by this run — {settings.warehouse} holds the new marts")
    else:
        lines.append(f"  warehouse:      NOT published — {_previous_publication(settings.warehouse)}")
    export_failed = any(e.step_key == "exports__finance_batch" for e in failures)
    lines.append(f"  Finance export: {_export_state(settings, exported, failed=export_failed)}")
    if not published and not exported:
        lines.append("fieldledger: nothing was published by this run.")
    elif published and not exported:
        lines.append("fieldledger: the warehouse was published; the Finance export was not written. Fix the cause "
                     "and run again: the lines not yet sent are sent then, exactly once.")
    return "\n".join(lines)


def _previous_publication(warehouse) -> str:
    if not warehouse.exists():
        return f"{warehouse} does not exist yet"
    try:
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            (published_at,) = con.execute("select max(published_at) from meta.publication").fetchone()
        return f"{warehouse} still holds the previous publication, of {published_at:%Y-%m-%d %H:%M:%S %Z}"
    except Exception:  # a report, not a check
        return f"{warehouse} is unchanged"


def _export_state(settings, exported: bool, *, failed: bool) -> str:
    if exported:
        return f"written to {settings.export_dir}"
    pending = []
    if settings.build_db.exists():
        try:
            from orchestration.exports import pending_batches

            pending = pending_batches(settings.build_db)
        except Exception:  # a report, not a check
            pending = []
    if not failed:
        text = "NOT written — nothing was sent to Finance (the export runs only after the warehouse is published)"
    else:
        text = f"NOT written — no new batch reached {settings.export_dir}"
    for _, batch_id, _, counts in pending:
        text += (f"; batch {batch_id} ({counts}) is recorded and waits: the next run writes exactly that batch, "
                 f"and no other batch will contain its lines")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "invoice-run", "summary"])
    parser.add_argument("--as-of-date", help="YYYY-MM-DD, for invoice-run")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run()
        if args.command == "invoice-run":
            if not args.as_of_date:
                parser.error("invoice-run needs --as-of-date YYYY-MM-DD")
            return _run(args.as_of_date)
        from orchestration.summary import print_summary

        print_summary(load_settings())
        return 0
    except SettingsError as exc:
        print(f"fieldledger: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
