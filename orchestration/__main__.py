"""`python -m orchestration run` — the whole pipeline through Dagster on FIELDLEDGER_* settings, then a summary.
`python -m orchestration invoice-run --as-of-date D` — the same, with invoice runs stopped at D (R20).
`python -m orchestration summary` — the summary of the last run."""

from __future__ import annotations

import argparse
import os
import sys
import time

from orchestration.settings import SettingsError, load_settings


def _run(as_of_date: str | None = None) -> int:
    import dagster as dg

    from orchestration.definitions import INVOICE_RUN_JOB_NAME, JOB_NAME, build_definitions
    from orchestration.summary import print_summary

    settings = load_settings()
    if as_of_date:
        settings = settings.with_run(as_of_date=as_of_date)
    print(f"fieldledger: delivery {settings.raw_dir}")
    print(f"fieldledger: build file {settings.build_db}, warehouse {settings.warehouse}")
    started = time.monotonic()
    job = build_definitions().resolve_job_def(INVOICE_RUN_JOB_NAME if as_of_date else JOB_NAME)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if as_of_date:
        run_config["as_of_date"] = settings.run["as_of_date"]
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    if not result.success:
        print("\nfieldledger: the run FAILED; nothing new was published. What went wrong:", file=sys.stderr)
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                print(f"\n[{event.step_key}]\n{event.step_failure_data.error.message.strip()}", file=sys.stderr)
        return 1
    print_summary(settings)
    print(f"\nfieldledger: run {result.run_id} succeeded in {time.monotonic() - started:.1f} s")
    return 0


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
