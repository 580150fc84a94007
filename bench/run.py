"""The pipeline benchmark: a generated delivery through landing and each dbt stage, each measured in its own
process (wall time, peak RSS), next to the hand-written DuckDB scripts that do the same work (the speed limit).

    python -m bench.run [--lines 1000000] [--months 12] [--seed 7]
                        [--stages landing,staging,engine,billing,reports,tests] [--skip-handwritten] [--repeat 1]
                        [--daily DAYS] [--layouts csv,synapse,delta [--layout-lines 20000]] [--engine spark]

Writes bench/out/results-<lines>.json (results-<lines>-spark.json with --engine spark); see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.measure import Measured, run_measured
from bench.speed_limit import HANDWRITTEN_DIR, SCRIPTS
from bench.stages import ALL_STAGES, DBT_STAGES, EXPORTS, LANDING, PUBLISH, TESTS, Plan, plan, test_args
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

OUT = REPO_ROOT / "bench" / "out"
START = "2026-01-01"
# the history is generated as of a fixed clock, so its last months are never `future_date` (SPEC R4) whatever day
# the bench runs on
NOW = "2027-01-01T00:00:00Z"
PY = sys.executable
DBT = str(Path(sys.executable).parent / "dbt")
# local Spark's one JVM (driver and executors) may use this much heap unless FIELDLEDGER_SPARK_DRIVER_MEMORY says
SPARK_DRIVER_MEMORY = "12g"


def say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--lines", type=int, default=1_000_000, help="work order lines to generate (default 1000000)")
    p.add_argument("--months", type=int, default=12, help="months of history (default 12)")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument("--stages", default=",".join(ALL_STAGES),
                   help=f"comma-separated, from {','.join(ALL_STAGES)} (default: all); earlier stages a stage "
                        f"needs are added")
    p.add_argument("--skip-handwritten", action="store_true", help="do not run the hand-written scripts")
    p.add_argument("--repeat", type=int, default=1, help="run everything N times, report medians (default 1)")
    p.add_argument("--landing-batches", type=int, default=1, metavar="N",
                   help="land the delivery as N consecutive increments (by day), one land() each, as daily "
                        "deliveries would arrive (default 1: the whole folder at once)")
    p.add_argument("--daily", type=int, default=0, metavar="DAYS",
                   help="the daily run: every stage on the history minus its last DAYS days (fresh build file), then "
                        "with those days added to the same delivery folder, then once more with nothing new; "
                        "reports each run's wall time, peak RSS and its ratio to the full run")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="build on DuckDB (default) or on local Spark (dbt-spark, `make spark-venv`): landing with "
                        "orchestration.spark_landing, every dbt stage with --target spark, the exports with "
                        "orchestration.spark_exports; the hand-written DuckDB scripts stay the speed limit")
    p.add_argument("--layouts", default="", metavar="LIST",
                   help="also land the same history written in each layout (comma-separated from csv,synapse,delta) "
                        "at --layout-lines lines, each into a fresh build file, and report landing per layout")
    p.add_argument("--layout-lines", type=int, default=20_000, metavar="N",
                   help="lines of the history for --layouts (default 20000: the delta layout rewrites its files "
                        "on every commit and is sized for test histories)")
    args = p.parse_args(argv)
    wanted = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in ALL_STAGES]
    if unknown:
        p.error(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(ALL_STAGES)}")
    if args.repeat < 1 or args.lines < 1 or args.landing_batches < 1:
        p.error("--repeat, --lines and --landing-batches must be at least 1")
    if args.daily < 0 or (args.daily and (args.repeat > 1 or args.landing_batches > 1)):
        p.error("--daily DAYS: DAYS at least 1, and without --repeat or --landing-batches")
    from orchestration.generate.layouts import LAYOUTS

    args.layout_list = [s.strip() for s in args.layouts.split(",") if s.strip()]
    if args.engine == "spark" and (args.layout_list or args.landing_batches > 1):
        p.error("--engine spark lands CSV deliveries in one landing: without --layouts and --landing-batches")
    if set(args.layout_list) - set(LAYOUTS):
        p.error(f"unknown layout(s) in --layouts; known: {', '.join(LAYOUTS)}")
    args.wanted = wanted
    return args


def stages_to_run(wanted: list[str]) -> tuple[list[str], list[str]]:
    """The wanted stages in build order, plus the earlier ones they need on a fresh build file (with a note).
    Every dbt stage needs landing and the dbt stages before it, except reports (nothing reads them); publishing
    and the exports need every dbt stage (the published marts include the reports)."""
    dbt_order = list(DBT_STAGES)
    wanted_dbt = [dbt_order.index(s) for s in wanted if s in DBT_STAGES]
    if PUBLISH in wanted or EXPORTS in wanted:
        wanted_dbt.append(len(dbt_order) - 1)
    if not wanted_dbt and TESTS in wanted:
        raise SystemExit("stage tests needs at least one dbt stage to test: add e.g. staging to --stages")
    run = set(wanted)
    if wanted_dbt:
        run |= {LANDING, *[s for s in dbt_order[:max(wanted_dbt)] if s != "reports"]}
    added = [s for s in ALL_STAGES if s in run - set(wanted)]
    notes = [f"stage(s) {', '.join(added)} added: a later stage needs them on a fresh build file"] if added else []
    return [s for s in ALL_STAGES if s in run], notes


# ---------------------------------------------------------------------------------------------- the delivery

def delivery(args: argparse.Namespace, lines: int | None = None, layout: str = "csv") -> tuple[Path, dict | None]:
    """Generate the delivery (`lines`, default --lines, in `layout`), or reuse one generated with the same
    arguments."""
    from orchestration.generate.config import DEFAULT_BAD_ROW_SHARE, work_orders_for_lines

    lines = lines or args.lines
    data = OUT / (f"data-{lines}-{args.months}-{args.seed}" + ("" if layout == "csv" else f"-{layout}"))
    expected = {"work_orders": work_orders_for_lines(lines), "seed": args.seed, "start": START,
                "months": args.months, "bad_row_share": DEFAULT_BAD_ROW_SHARE}
    summary_path = data / "_generator" / "summary.json"
    if summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        if summary.get("arguments") == expected and (layout == "csv") == ("layout" not in summary):
            say(f"delivery: reusing {data.relative_to(REPO_ROOT)} ({summary['lines']['total']:,} lines)")
            return data, None
    say(f"delivery: generating {lines:,} lines, {args.months} months, seed {args.seed}, layout {layout} into "
        f"{data.relative_to(REPO_ROOT)}")
    command = [PY, "-m", "orchestration.generate", "--lines", str(lines), "--seed", str(args.seed),
               "--start", START, "--months", str(args.months), "--out", str(data), "--layout", layout, "--overwrite"]
    m = run_measured(command, env=dict(os.environ), cwd=str(REPO_ROOT), prefix="  ")
    if not m.ok:
        raise SystemExit(f"the generator failed ({m.returncode}):\n" + "\n".join(m.tail))
    return data, {"wall_s": round(m.wall_s, 2), "peak_rss_mb": round(m.peak_rss_mb)}


# ---------------------------------------------------------------------------------------------- one repeat

def others(m: Measured) -> str:
    return "" if m.others_cores is None else f", other processes {m.others_cores:.2f} cores"


def measured(m: Measured) -> dict:
    return {"wall_s": round(m.wall_s, 3), "peak_rss_mb": round(m.peak_rss_mb, 1), "user_s": round(m.user_s, 2),
            "system_s": round(m.system_s, 2), "cpu_per_wall": round((m.user_s + m.system_s) / max(m.wall_s, 1e-9), 2),
            "others_cores": None if m.others_cores is None else round(m.others_cores, 2), "returncode": m.returncode}


class Run:
    """One pass over the stages on a fresh build file (and a fresh hand-written file)."""

    def __init__(self, args: argparse.Namespace, data: Path, run_dir: Path, order: list[str], *,
                 label: str = "full", plan: Plan | None = None, handwritten: bool = True):
        """`plan`: go on with the build file of an earlier run (a daily run) instead of a fresh one."""
        self.args, self.data, self.run_dir, self.order = args, data, run_dir, order
        self.label, self.continues, self.with_handwritten = label, plan is not None, handwritten
        self.build_db = run_dir / "build.duckdb"
        self.hw_db = run_dir / "handwritten.duckdb"
        self.target = run_dir / "target"
        self.warehouse = run_dir / "warehouse.duckdb"
        self.export_dir = run_dir / "exports"
        self.spark = args.engine == "spark"
        self.spark_dir = run_dir / "spark"  # the Spark warehouse folder (profiles.yml: FIELDLEDGER_SPARK_DIR)
        # on Spark the stages count rows through views over the tables' Parquet files (report.spark_views)
        self.counts_db = run_dir / "spark-tables.duckdb" if self.spark else self.build_db
        self.env = {"FIELDLEDGER_NOW": NOW, **os.environ, "FIELDLEDGER_BUILD_DB": str(self.build_db),
                    "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYTHONUNBUFFERED": "1"}
        if self.spark:
            self.env = {"FIELDLEDGER_SPARK_DRIVER_MEMORY": SPARK_DRIVER_MEMORY, **self.env,
                        "FIELDLEDGER_SPARK_DIR": str(self.spark_dir), "SPARK_LOCAL_IP": "127.0.0.1"}
        self.stages: dict[str, dict] = {}
        self.handwritten: dict[str, dict] = {}
        self.failed = False
        self.hw_failed = False
        self.plan: Plan | None = plan
        self.dbt_ready = False
        self.comparison: list = []

    def fresh(self) -> None:
        for db in (self.build_db, self.hw_db):
            for path in (db, db.with_name(db.name + ".wal"), db.with_name(db.name + ".tmp")):
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        self.warehouse.unlink(missing_ok=True)
        self.counts_db.unlink(missing_ok=True)
        shutil.rmtree(self.export_dir, ignore_errors=True)
        shutil.rmtree(self.spark_dir, ignore_errors=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)

    def record(self, stage: str, m: Measured, **facts) -> dict:
        entry = {**measured(m), **facts}
        self.stages[stage] = entry
        status = "done" if m.ok else f"FAILED ({m.returncode})"
        say(f"== {stage} {status} in {m.wall_s:.1f} s, peak RSS {m.peak_rss_mb:,.0f} MB, "
            f"{entry['cpu_per_wall']:.2f} cores busy{others(m)}")
        if not m.ok:
            say("\n".join("   | " + line for line in m.tail[-25:]))
        return entry

    # ------------------------------------------------------------------ stages

    def landing(self) -> None:
        batches = self.args.landing_batches
        into = self.spark_dir if self.spark else self.build_db
        say(f"== landing: {self.data.relative_to(REPO_ROOT)} → {into.relative_to(REPO_ROOT)}"
            + (f" in {batches} increments" if batches > 1 else ""))
        facts_path = self.run_dir / "landing.json"
        command = ["land-spark", str(self.data), str(facts_path)] if self.spark else [
            "land", str(self.data), str(self.build_db), str(facts_path), str(batches)]
        m = run_measured([PY, "-m", "bench.child", *command], env=self.env, cwd=str(REPO_ROOT), prefix="   ")
        facts = json.loads(facts_path.read_text()) if m.ok and facts_path.exists() else {}
        counts = {"in": {"delivered": facts.get("rows_delivered")}, "out": {"landed": facts.get("rows_landed")}}
        self.refresh_counts()
        self.record(LANDING, m, landing=facts, counts=counts)
        self.failed |= not m.ok

    def delivering(self, stage: str) -> None:
        """publish (marts → warehouse file) or exports (the Finance batch), as the Dagster assets call them."""
        if self.spark and stage == PUBLISH:
            say("== publish: skipped — on Spark the `marts` database is the published interface (README 'On Spark')")
            self.stages[stage] = {"skipped": "on Spark the marts database is the published interface"}
            return
        target = self.warehouse if stage == PUBLISH else self.export_dir
        say(f"== {stage}: {self.build_db.relative_to(REPO_ROOT)} → {target.relative_to(REPO_ROOT)}")
        facts_path = self.run_dir / f"{stage}.json"
        command = ["exports-spark", str(target), str(facts_path)] if self.spark else [
            stage, str(self.build_db), str(target), str(facts_path)]
        m = run_measured([PY, "-m", "bench.child", *command], env=self.env, cwd=str(REPO_ROOT), prefix="   ")
        facts = json.loads(facts_path.read_text()) if m.ok and facts_path.exists() else {}
        if stage == PUBLISH:
            counts = {"out": {"tables": facts.get("tables"), "rows": facts.get("rows")}}
        else:
            counts = {"out": {k.replace("_", " "): v for k, v in facts.get("rows", {}).items()}}
        self.record(stage, m, counts=counts, **{stage: facts})
        self.failed |= not m.ok

    def dbt(self, stage: str, command: str, args: list[str]) -> Measured:
        full = [DBT, command, *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
                "--target-path", str(self.target), "--log-path", str(self.run_dir / "logs"), "--no-use-colors",
                *(["--target", "spark"] if self.spark else [])]
        say(f"== {stage}: dbt {command} {' '.join(args)}" + (" --target spark" if self.spark else ""))
        return run_measured(full, env=self.env, cwd=str(REPO_ROOT), prefix="   ",
                            show=lambda line: " START " not in line)

    def parse(self) -> None:
        m = self.dbt("dbt parse", "parse", [])
        self.record("dbt parse", m)
        if not m.ok:
            self.failed = True
            return
        self.plan = plan(self.target / "manifest.json", [s for s in self.order if s in DBT_STAGES])
        for note in self.plan.notes:
            say(f"   note: {note}")

    def seed(self) -> None:
        assert self.plan is not None
        if not self.plan.seeds:
            return
        m = self.dbt("dbt seed", "seed", ["--select", *self.plan.seeds])
        self.record("dbt seed", m, counts={"out": {"seeds": len(self.plan.seeds)}})
        self.failed |= not m.ok

    def dbt_stage(self, stage: str) -> None:
        assert self.plan is not None
        sp = self.plan.stages[stage]
        if not sp.models:
            say(f"== {stage}: no models in {', '.join(sp.folders)} — skipped")
            self.stages[stage] = {"skipped": "no models"}
            return
        m = self.dbt(stage, "run", sp.dbt_args())
        results = self.run_dir / f"run_results-{stage}.json"
        if (self.target / "run_results.json").exists():
            shutil.copyfile(self.target / "run_results.json", results)
        self.refresh_counts()
        rows = report.table_counts(self.counts_db, self.plan.table_models(stage))
        models = report.model_times(results, self.plan, rows)
        counts = report.headline_counts(self.counts_db, stage, views_are_tables=self.spark)
        self.record(stage, m, counts=counts, models=models, table_rows=rows, selection=sp.dbt_args())
        if counts:
            say(f"   rows: {report.rows_text(counts)}")
        for model in models[:5]:
            say(f"   slowest: {model['model']} {model['seconds']:.2f} s"
                + (f", {model['rows']:,} rows" if model["rows"] is not None else f" ({model['materialized']})"))
        self.failed |= not m.ok

    def refresh_counts(self) -> None:
        """On Spark: (re)make the DuckDB file of views over the Spark tables' Parquet files the counts read."""
        if self.spark:
            report.spark_views(self.spark_dir / "warehouse", self.counts_db)

    def tests(self) -> None:
        assert self.plan is not None
        m = self.dbt(TESTS, "test", test_args(self.plan))
        results = self.run_dir / "run_results-tests.json"
        if (self.target / "run_results.json").exists():
            shutil.copyfile(self.target / "run_results.json", results)
        tests = report.model_times(results, self.plan, {})
        statuses: dict[str, int] = {}
        for t in tests:
            statuses[t["status"]] = statuses.get(t["status"], 0) + 1
        self.record(TESTS, m, counts={"in": {"tests": len(tests)}, "out": statuses}, models=tests)

    # ------------------------------------------------------------------ the hand-written scripts

    def script(self, name: str) -> None:
        if self.hw_failed:
            return
        say(f"== hand-written {name} (DuckDB {os.cpu_count()} threads) → {self.hw_db.relative_to(REPO_ROOT)}")
        facts_path = self.run_dir / f"handwritten-{Path(name).stem}.json"
        m = run_measured([PY, "-m", "bench.child", "handwritten", str(HANDWRITTEN_DIR / name), str(self.hw_db),
                          str(self.data), str(facts_path)], env=self.env, cwd=str(REPO_ROOT), prefix="   ")
        facts = json.loads(facts_path.read_text()) if m.ok and facts_path.exists() else {}
        self.handwritten[name] = {**measured(m), **facts}
        say(f"== hand-written {name} {'done' if m.ok else 'FAILED'} in {m.wall_s:.1f} s, "
            f"peak RSS {m.peak_rss_mb:,.0f} MB, {self.handwritten[name]['cpu_per_wall']:.2f} cores busy{others(m)}")
        if not m.ok:
            say("\n".join("   | " + line for line in m.tail[-25:]))
            self.hw_failed = True

    def script_schedule(self) -> dict[str, list[str]]:
        """stage → hand-written scripts to run after it (a script runs after the last of its stages here)."""
        if self.args.skip_handwritten or not self.with_handwritten:
            return {}
        names = list(SCRIPTS)
        needed = [i for i, n in enumerate(names) if set(SCRIPTS[n]) & set(self.order)]
        if not needed:
            return {}
        schedule: dict[str, list[str]] = {}
        pending: list[str] = []
        for name in names[:max(needed) + 1]:
            pending.append(name)
            mine = [s for s in SCRIPTS[name] if s in self.order]
            if mine:
                schedule.setdefault(mine[-1], []).extend(pending)
                pending = []
        return schedule

    # ------------------------------------------------------------------ all of it

    def go(self) -> None:
        if self.continues:
            say(f"\n######## {self.label} run: {self.data.relative_to(REPO_ROOT)} on the build file of the run before")
        else:
            self.fresh()
        schedule = self.script_schedule()
        dbt_stages = [s for s in self.order if s in DBT_STAGES or s == TESTS]
        for stage in self.order:
            if self.failed:
                say(f"== {stage}: skipped (an earlier stage failed)")
                self.stages[stage] = {"skipped": "an earlier stage failed"}
            elif stage == LANDING:
                self.landing()
            elif stage in (PUBLISH, EXPORTS):
                self.delivering(stage)
            else:
                if not self.dbt_ready and dbt_stages:
                    if self.plan is None:
                        self.parse()
                    if not self.failed:
                        self.seed()
                    self.dbt_ready = True
                    if self.failed:
                        continue
                if stage == TESTS:
                    self.tests()
                else:
                    self.dbt_stage(stage)
            for name in schedule.get(stage, []):
                self.script(name)


# ---------------------------------------------------------------------------------------------- --daily, --layouts

def daily_folder(data: Path, days: int, folder: Path) -> list[tuple[Path, str]]:
    """The delivery minus its last `days` days as a folder of symlinks (every setup file, the daily files of the
    transactional tables before those days); returns the held-back files (target, name), which a daily run adds to
    the same folder, as a delivery folder grows from one day to the next."""
    from orchestration.landing import discover

    files, _ = discover(data)
    days_seen = sorted({f.path.name for f in files if "/" in f.name})
    if len(days_seen) <= days:
        raise SystemExit(f"--daily {days}: the delivery has only {len(days_seen)} days of daily files")
    last = set(days_seen[-days:])
    shutil.rmtree(folder, ignore_errors=True)
    held_back = []
    for f in files:
        if "/" in f.name and f.path.name in last:
            held_back.append((f.path.resolve(), f.name))
        else:
            link(folder / f.name, f.path.resolve())
    say(f"daily: {folder.relative_to(REPO_ROOT)} holds the history without its last {days} day(s) "
        f"({', '.join(sorted(last))}): {len(held_back)} file(s) held back")
    return held_back


def link(at: Path, target: Path) -> None:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.unlink(missing_ok=True)
    at.symlink_to(target)


def run_totals(run: Run) -> dict:
    """Wall time (every stage, dbt parse and seed included; not the hand-written scripts) and peak RSS of a run."""
    entries = [e for e in run.stages.values() if "wall_s" in e]
    return {"wall_s": round(sum(e["wall_s"] for e in entries), 2),
            "peak_rss_mb": round(max((e["peak_rss_mb"] for e in entries), default=0)),
            "failed": run.failed, "landing": run.stages.get(LANDING, {}).get("landing", {})}


def daily_table(runs: list[Run]) -> list[dict]:
    """Stage × run wall times, the totals, peak RSS and each run's ratio to the full run."""
    full = run_totals(runs[0])
    stages = [s for s in runs[0].stages if "wall_s" in runs[0].stages[s]]
    rows = []
    for stage in stages:
        rows.append({"stage": stage, **{r.label: r.stages.get(stage, {}).get("wall_s") for r in runs}})
    rows.append({"stage": "total wall s", **{r.label: run_totals(r)["wall_s"] for r in runs}})
    rows.append({"stage": "peak RSS MB", **{r.label: run_totals(r)["peak_rss_mb"] for r in runs}})
    rows.append({"stage": "ratio to the full run", **{r.label: run_totals(r)["wall_s"] / full["wall_s"]
                                                      if full["wall_s"] else None for r in runs}})
    return rows


def print_daily(runs: list[Run], days: int) -> None:
    labels = [r.label for r in runs]
    say(f"\n--daily {days}: the full run on the history minus its last {days} day(s), then the daily run with those "
        f"days added, then a run with nothing new (the same build file; one run each)")
    delivered = [(r.stages.get(LANDING, {}).get("landing") or {}).get("rows_delivered") for r in runs]
    say("rows delivered to landing: " + ", ".join(f"{lab} {n:,}" if n is not None else f"{lab} ?"
                                                   for lab, n in zip(labels, delivered, strict=True)))
    say(f"{'stage':<24}" + "".join(f"{lab:>14}" for lab in labels))
    for row in daily_table(runs):
        cells = []
        for lab in labels:
            v = row.get(lab)
            cells.append(f"{'':>14}" if v is None else f"{v:>13.0%} " if row["stage"].startswith("ratio")
                         else f"{v:>14,.0f}" if row["stage"] == "peak RSS MB" else f"{v:>14.1f}")
        say(f"{row['stage']:<24}" + "".join(cells))


def run_daily(args: argparse.Namespace, data: Path, run_dir: Path, order: list[str]) -> list[Run]:
    folder = run_dir / "daily-delivery"
    held_back = daily_folder(data, args.daily, folder)
    full = Run(args, folder, run_dir, order, label="full")
    full.go()
    # hand-written and pipeline counts compared now, while the build file holds the same history as the script's
    full.comparison = [] if args.skip_handwritten else report.compare_counts(
        full.counts_db, full.hw_db, {s for n in full.handwritten for s in SCRIPTS[n]})
    runs = [full]
    if full.failed:
        return runs
    for target, name in held_back:
        link(folder / name, target)
    for label in ("daily", "nothing new"):
        run = Run(args, folder, run_dir, order, label=label, plan=full.plan, handwritten=False)
        run.go()
        runs.append(run)
        if run.failed:
            break
    return runs


def land_layouts(args: argparse.Namespace) -> list[dict]:
    """The same history in each layout landed into a fresh build file, in its own measured process."""
    rows = []
    for layout in args.layout_list:
        data, generated = delivery(args, args.layout_lines, layout)
        run_dir = OUT / f"run-layouts-{args.layout_lines}" / layout
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        say(f"== landing {layout}: {data.relative_to(REPO_ROOT)}")
        facts_path = run_dir / "landing.json"
        env = {"FIELDLEDGER_NOW": NOW, **os.environ, "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"}
        m = run_measured([PY, "-m", "bench.child", "land", str(data), str(run_dir / "build.duckdb"), str(facts_path)],
                         env=env, cwd=str(REPO_ROOT), prefix="   ", show=lambda line: "file(s)," not in line)
        facts = json.loads(facts_path.read_text()) if m.ok and facts_path.exists() else {}
        rows.append({"layout": layout, "lines": args.layout_lines, **measured(m), "generated": generated,
                     **{k: facts.get(k) for k in ("files", "rows_delivered", "rows_landed", "rows_duplicate",
                                                  "rows_unparseable")}})
        say(f"== landing {layout} {'done' if m.ok else 'FAILED'} in {m.wall_s:.1f} s, peak RSS {m.peak_rss_mb:,.0f} MB"
            f"{others(m)}")
        if not m.ok:
            say("\n".join("   | " + line for line in m.tail[-25:]))
    return rows


def print_layouts(rows: list[dict]) -> None:
    say(f"\nlanding per layout ({rows[0]['lines']:,} lines; one run each, each into a fresh build file):")
    say(f"{'layout':<9}{'files':>8}{'delivered':>12}{'landed':>12}{'unparseable':>13}{'wall s':>9}{'peak RSS MB':>13}")
    for r in rows:
        n = {k: ("?" if r.get(k) is None else f"{r[k]:,}")
             for k in ("files", "rows_delivered", "rows_landed", "rows_unparseable")}
        say(f"{r['layout']:<9}{n['files']:>8}{n['rows_delivered']:>12}{n['rows_landed']:>12}"
            f"{n['rows_unparseable']:>13}{r['wall_s']:>9.1f}{r['peak_rss_mb']:>13,.0f}")


# ---------------------------------------------------------------------------------------------- summary

def summarise(runs: list[Run], order: list[str]) -> list[dict]:
    """One table row per stage (medians over repeats), the landing+staging subtotal and the totals."""
    def values(stage: str, key: str, source: str = "stages") -> list[float]:
        return [getattr(r, source).get(stage, {}).get(key) for r in runs]

    last = runs[-1]
    rows: list[dict] = []
    setup = [s for s in ("dbt parse", "dbt seed") if s in last.stages]
    for stage in setup + order:
        entry = last.stages.get(stage, {})
        if not entry or "skipped" in entry:
            rows.append({"key": stage, "stage": stage, "rows": f"skipped: {entry.get('skipped', 'not run')}"})
            continue
        label = stage
        if stage == LANDING and (entry.get("landing") or {}).get("batches", 1) > 1:
            label = f"landing ({entry['landing']['batches']} increments)"
        text = report.rows_text(entry.get("counts", {}))
        if entry.get("returncode"):
            text = f"FAILED (exit {entry['returncode']}{', killed' if entry['returncode'] < 0 else ''})"
        rows.append({"key": stage, "stage": label, "rows": text,
                     "wall": report.median(values(stage, "wall_s")),
                     "rss": report.median(values(stage, "peak_rss_mb"))})

    def hw(name: str, key: str) -> float | None:
        return report.median(values(name, key, "handwritten"))

    pairs = []  # (label, dbt stages, script)
    for name, covered in SCRIPTS.items():
        mine = [s for s in covered if s in order]
        if mine and name in last.handwritten:
            pairs.append((" + ".join(mine), mine, name))
    compared_dbt = compared_hw = 0.0
    compared: list[str] = []
    for label, mine, name in pairs:
        walls = [report.median(values(s, "wall_s")) for s in mine]
        failed = any(r.stages.get(s, {}).get("returncode") for r in runs for s in mine)
        dbt_wall = sum(walls) if all(w is not None for w in walls) and not failed else None
        dbt_rss = max((report.median(values(s, "peak_rss_mb")) or 0) for s in mine)
        hw_wall, hw_rss = hw(name, "wall_s"), hw(name, "peak_rss_mb")
        ratio = dbt_wall / hw_wall if dbt_wall and hw_wall else None
        target = next((r for r in rows if len(mine) == 1 and r.get("key") == mine[0]), None)
        if target is None:  # landing + staging: a subtotal row under staging
            at = max(i for i, r in enumerate(rows) if r.get("key") in mine) + 1
            target = {"stage": f"  {label}", "rows": f"(hand-written: {name})", "wall": dbt_wall,
                      "rss": dbt_rss or None}
            rows.insert(at, target)
        target.update(hw_wall=hw_wall, hw_rss=hw_rss, ratio=ratio)
        if dbt_wall and hw_wall:
            compared_dbt += dbt_wall
            compared_hw += hw_wall
            compared.append(name)
    total = sum(r["wall"] for r in rows if r.get("wall") and not r["stage"].startswith("  "))
    peak = max((r.get("rss") or 0) for r in rows) or None
    rows.append({"stage": "total", "rows": "every stage above (dbt parse and seed included)", "wall": total,
                 "rss": peak, "rule": True})
    if compared_hw:
        rows.append({"stage": "compared", "rows": "the stages that have a hand-written script", "wall": compared_dbt,
                     "hw_wall": compared_hw, "ratio": compared_dbt / compared_hw,
                     "hw_rss": max((hw(n, "peak_rss_mb") or 0) for n in compared)})
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    order, notes = stages_to_run(args.wanted)
    for note in notes:
        say(f"note: {note}")
    OUT.mkdir(parents=True, exist_ok=True)
    m = report.machine()
    say(report.machine_line(m))
    data, generated = delivery(args)
    run_dir = OUT / f"run-{args.lines}{'-spark' if args.engine == 'spark' else ''}"
    runs: list[Run] = []
    if args.daily:
        daily_runs = run_daily(args, data, run_dir, order)
        runs = daily_runs[:1]
    else:
        daily_runs = []
        for i in range(args.repeat):
            if args.repeat > 1:
                say(f"\n######## repeat {i + 1}/{args.repeat}")
            run = Run(args, data, run_dir, order)
            run.go()
            runs.append(run)
    rows = summarise(runs, order)
    last = runs[-1]
    comparison = last.comparison if args.daily else [] if args.skip_handwritten else report.compare_counts(
        last.counts_db, last.hw_db, {s for n in last.handwritten for s in SCRIPTS[n]})

    say(f"\n{report.machine_line(m)}")
    if args.engine == "spark":
        say(f"engine: local Spark (local[2]), driver memory {runs[0].env['FIELDLEDGER_SPARK_DRIVER_MEMORY']}")
    say(f"delivery: {args.lines:,} lines, {args.months} months, seed {args.seed}; "
        f"{'median of ' + str(args.repeat) + ' runs' if args.repeat > 1 else 'one run'}; "
        f"ratio = dbt wall / hand-written wall (same run)\n")
    report.print_table(rows)
    noisy = [f"{name} {entry['others_cores']:.2f}" for r in runs
             for name, entry in [*r.stages.items(), *r.handwritten.items()] if (entry.get("others_cores") or 0) > 0.2]
    if noisy:
        say(f"\nnoise: other processes used, on average, this many cores during: {', '.join(noisy)} "
            f"(of {m['nproc']}); those times are less reliable")
    report.print_comparison(comparison)
    slowest = {}
    for stage, entry in last.stages.items():
        models = [x for x in entry.get("models", []) if stage != TESTS]
        if models:
            slowest[stage] = models[:8]
    if slowest:
        say("\nslowest dbt models per stage (last run; views are computed inside the tables that read them):")
        for stage, models in slowest.items():
            say(f"  {stage}:")
            for x in models[:5]:
                rows_note = f"{x['rows']:,} rows" if x["rows"] is not None else x["materialized"]
                views = x["views_inside"]
                views = f"; {len(views)} views inside, e.g. {', '.join(views[:3])}" if views else ""
                say(f"    {x['seconds']:7.2f} s  {x['model']} ({rows_note}{views})")

    if daily_runs:
        print_daily(daily_runs, args.daily)
    layouts = land_layouts(args) if args.layout_list else []
    if layouts:
        print_layouts(layouts)

    results = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "arguments": {"lines": args.lines, "months": args.months, "seed": args.seed, "start": START,
                      "engine": args.engine,
                      "stages": order, "repeat": args.repeat, "skip_handwritten": args.skip_handwritten,
                      "landing_batches": args.landing_batches, "daily": args.daily, "layouts": args.layout_list,
                      "layout_lines": args.layout_lines},
        "machine": m,
        "settings": {k: v for k, v in os.environ.items() if k.startswith("FIELDLEDGER_")},
        "delivery": {"path": str(data), "generated": generated,
                     "summary": json.loads((data / "_generator" / "summary.json").read_text(encoding="utf-8"))},
        "table": rows,
        "comparison": comparison,
        "runs": [{"stages": r.stages, "handwritten": r.handwritten} for r in runs],
        "daily": [{"run": r.label, **run_totals(r), "stages": r.stages} for r in daily_runs],
        "daily_table": daily_table(daily_runs) if daily_runs else [],
        "layouts": layouts,
        "notes": notes + (last.plan.notes if last.plan else []),
    }
    path = OUT / f"results-{args.lines}{'-spark' if args.engine == 'spark' else ''}.json"
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    say(f"\nresults: {path.relative_to(REPO_ROOT)}")
    return 1 if any(r.failed or r.hw_failed for r in runs + daily_runs) or any(r["returncode"] for r in layouts) else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"bench: {time.perf_counter() - started:.0f} s in all", flush=True)
    sys.exit(code)
