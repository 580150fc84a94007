"""Write a whole delivery: setup tables, milestones, then the work orders in order of creation, streamed into daily
increment files with bounded memory, plus the answer key and summary under `_generator/`."""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from orchestration.contract import TABLES

from .bad_rows import KINDS as BAD_KINDS
from .bad_rows import BadRowMaker
from .config import LINES_PER_WORK_ORDER, MIN_WORK_ORDERS_FOR_SCENARIOS, GeneratorConfig
from .csv_files import (
    EXPECTED_REJECTIONS,
    GENERATOR_DIR,
    SUMMARY,
    AnswerKey,
    DailyFiles,
    column_index,
    write_table,
)
from .formats import DAY, HOUR, iso_timestamp
from .layouts import remove_layouts, write_layout
from .milestones import TABLE as MILESTONE_TABLE
from .milestones import milestone_versions
from .randomness import Quota, stream
from .reference import build_reference
from .work_orders import (
    AMBIGUOUS_LINE,
    COMPANY_MISMATCH,
    NO_PROJECT,
    NO_RATE,
    PRODUCT_LINE,
    SERVICE_LINE,
    USED,
    WORK_ORDER,
    RecordHistory,
    WorkOrderFactory,
    WorkOrderHistory,
)

FIRST_VERSION_NUMBER = 1_000_001
LATE_ARRIVAL_SHARE = 0.003  # of the non-first versions of ordinary records: delivered 1-3 days late
PROGRESS_FROM = 10_000  # work orders; below that only the final line is printed


@dataclass(frozen=True)
class Result:
    summary: dict
    seconds: float
    rows: int
    peak_rss_mb: float | None


def scenario_plan(cfg: GeneratorConfig) -> dict[int, str]:
    """Which work orders (by index) are scenario work orders, and their expected rejection reason. They sit in the
    first 80 % of the period so that their lines are used before the extract is taken."""
    n = cfg.work_orders
    if n < MIN_WORK_ORDERS_FOR_SCENARIOS:
        return {}
    k = max(2, n // 1000)
    reasons = [NO_PROJECT] * k + [AMBIGUOUS_LINE] * k + [NO_RATE] * k + [COMPANY_MISMATCH]
    positions = stream(cfg.seed, "scenarios").sample(range(max(len(reasons), n * 4 // 5)), len(reasons))
    return dict(zip(positions, reasons, strict=True))


def prepare_output(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out} is not empty: pass --overwrite to replace the delivery in it")
        remove_layouts(out)
        for table in TABLES:
            for path in (out / f"{table.name}.csv", out / f"{table.name}.parquet"):
                path.unlink(missing_ok=True)
            if (out / table.name).is_dir():
                shutil.rmtree(out / table.name)
        for name in (EXPECTED_REJECTIONS, SUMMARY):
            (out / GENERATOR_DIR / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Stream:
    """Emits work order histories into the daily files, numbering versions and recording the answer key."""

    def __init__(self, cfg: GeneratorConfig, out: Path, key: AnswerKey, next_version: itertools.count) -> None:
        self.key = key
        self.next_version = next_version.__next__
        self.files = {table: DailyFiles(out, table) for table in (WORK_ORDER, PRODUCT_LINE, SERVICE_LINE)}
        self.line_columns = {table: (column_index(table)["msdyn_linestatus"], column_index(table)["isdelete"])
                             for table in (PRODUCT_LINE, SERVICE_LINE)}
        self.cutoff = cfg.cutoff
        self.cutoff_day = cfg.cutoff // DAY
        rng = stream(cfg.seed, "late-arrivals")
        self.late_rng = rng.random
        self.late = Quota(rng, LATE_ARRIVAL_SHARE, cfg.work_orders // 4 if cfg.work_orders >= 20 else None)
        self.events: Counter[str] = Counter()
        self.records: Counter[str] = Counter()

    def close_before(self, day: int) -> None:
        for files in self.files.values():
            files.close_before(day)

    def emit(self, history: WorkOrderHistory) -> None:
        plain = history.reason is not None
        self._record(history, history.work_order, plain)
        for line in history.lines:
            last = self._record(history, line, plain)
            if last is not None and history.reason is not None:
                day, number, row = last
                status, delete = self.line_columns[line.table]
                if row[status] == USED and row[delete] == "false":
                    file_name = self.files[line.table].file_name(day)
                    self.key.add(line.table, file_name, number, line.record_id, history.reason)

    def _record(self, history: WorkOrderHistory, record: RecordHistory,
                plain: bool) -> tuple[int, int, list[str]] | None:
        files = self.files[record.table]
        version_column, modified_column = files.version_column, files.modified_column
        cutoff, cutoff_day, late = self.cutoff, self.cutoff_day, self.late
        last = None
        for j, (modified, event, row) in enumerate(record.versions):
            if modified >= cutoff:
                break
            row[version_column] = str(self.next_version())
            row[modified_column] = iso_timestamp(modified)
            day = modified // DAY
            if j and not plain and day + 3 < cutoff_day and late.hit(history.index):
                day += 1 + int(self.late_rng() * 3)
                self.events["late_arrival"] += 1
            last = day, files.add(day, row), row
            self.events[f"{record.table}:{event}"] += 1
        if last is not None:
            self.records[record.table] += 1
        return last

    def close(self) -> None:
        for files in self.files.values():
            files.close()


def generate(cfg: GeneratorConfig, out: Path, *, overwrite: bool = False,
             progress: TextIO | None = sys.stderr, layout: str = "csv") -> Result:
    """Write the delivery into `out` in `layout`: csv (SPEC §1.1), or the same history as Dataverse exports it,
    synapse or delta (SPEC §1.4, orchestration/generate/layouts.py)."""
    out = Path(out)
    if layout == "csv":
        return _generate_csv(cfg, out, overwrite=overwrite, progress=progress)
    began = time.perf_counter()
    prepare_output(out, overwrite)
    staging = out / ".csv-history"  # the CSV delivery of the same history, rewritten below
    shutil.rmtree(staging, ignore_errors=True)
    try:
        result = _generate_csv(cfg, staging, overwrite=False, progress=None)
        summary = {**result.summary, "layout": write_layout(layout, staging, out, cfg.cutoff // DAY)}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    (out / GENERATOR_DIR / SUMMARY).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
    seconds = time.perf_counter() - began
    if progress:
        print(f"wrote the history of {cfg.work_orders:,} work orders as {layout} in {seconds:.1f}s to {out}",
              file=progress)
    return Result(summary, seconds, result.rows, _peak_rss_mb())


def _generate_csv(cfg: GeneratorConfig, out: Path, *, overwrite: bool, progress: TextIO | None) -> Result:
    began = time.perf_counter()
    prepare_output(out, overwrite)
    ref = build_reference(cfg)
    reference_rows = {table: write_table(out, table, records) for table, records in ref.setup.items()}

    versions = itertools.count(FIRST_VERSION_NUMBER)
    milestones = DailyFiles(out, MILESTONE_TABLE.name)
    for modified, row in milestone_versions(ref.contracts.milestones, cfg.cutoff, versions.__next__):
        milestones.close_before(modified // DAY)  # they come in modifiedon order
        milestones.add(modified // DAY, row)
    milestones.close()

    key = AnswerKey(out)
    emitter = _Stream(cfg, out, key, versions)
    factory = WorkOrderFactory(cfg, ref, stream(cfg.seed, "work-orders"))
    bad = BadRowMaker(cfg, factory, stream(cfg.seed, "bad-rows"))
    plan = scenario_plan(cfg)
    timeline = stream(cfg.seed, "timeline").random
    n = cfg.work_orders
    span = cfg.cutoff - cfg.start_day * DAY
    step = max(1, n // 10)
    if progress and n >= PROGRESS_FROM:
        print(f"generating {n:,} work orders (≈ {n * LINES_PER_WORK_ORDER:,} lines) into {out}", file=progress)
    open_day = None
    for i in range(n):
        # Even spread over the period, squeezed into working hours 07:00-18:00 UTC; strictly chronological.
        offset = span * (i + timeline()) / n
        day, in_day = divmod(offset, DAY)
        created = cfg.start_day * DAY + int(day) * DAY + 7 * HOUR + int(in_day / DAY * 11 * HOUR)
        if created // DAY != open_day:
            open_day = created // DAY
            emitter.close_before(open_day)  # every later row is modified on or after this day
        history = factory.build(i, created, plan.get(i))
        emitter.emit(history)
        while bad.due(history, sum(f.rows for f in emitter.files.values()) - bad.rows):
            for bad_row in bad.make(history, versions.__next__):
                files = emitter.files[bad_row.table]
                number = files.add(bad_row.day, bad_row.row)
                key.add(bad_row.table, files.file_name(bad_row.day), number, bad_row.record_id, bad_row.reason)
        if progress and n >= PROGRESS_FROM and (i + 1) % step == 0:
            rows = sum(f.rows for f in emitter.files.values())
            print(f"  {i + 1:,}/{n:,} work orders, {rows:,} rows, {time.perf_counter() - began:.1f}s",
                  file=progress)
    emitter.close()
    key.close()

    files = {**emitter.files, MILESTONE_TABLE.name: milestones}
    rows = sum(f.rows for f in files.values())
    summary = _summary(cfg, reference_rows, files, emitter, key, bad, plan)
    (out / GENERATOR_DIR / SUMMARY).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
    seconds = time.perf_counter() - began
    result = Result(summary, seconds, rows, _peak_rss_mb())
    if progress:
        lines = summary["lines"]["total"]
        rss = f", peak RSS {result.peak_rss_mb:,.0f} MB" if result.peak_rss_mb else ""
        print(f"wrote {n:,} work orders, {lines:,} work order lines, {rows:,} transactional rows "
              f"({bad.rows:,} bad) in {seconds:.1f}s "
              f"({rows / max(seconds, 1e-9):,.0f} rows/s{rss}) to {out}", file=progress)
    return result


def _summary(cfg: GeneratorConfig, reference_rows: dict[str, int], files: dict[str, DailyFiles], emitter: _Stream,
             key: AnswerKey, bad: BadRowMaker, plan: dict[int, str]) -> dict:
    events = emitter.events
    products, services = emitter.records[PRODUCT_LINE], emitter.records[SERVICE_LINE]
    return {
        "generator": "python -m orchestration.generate",
        "arguments": cfg.arguments(),
        "period": {"start": cfg.start.isoformat(), "end_exclusive": cfg.end.isoformat(),
                   "extract_taken_at": iso_timestamp(cfg.cutoff)},
        "lines_per_work_order": LINES_PER_WORK_ORDER,
        "work_orders": emitter.records[WORK_ORDER],
        "lines": {"products": products, "services": services, "total": products + services},
        "reference_rows": reference_rows,
        "row_versions": {name: f.rows for name, f in files.items()},
        "files": {name: f.files for name, f in files.items()},
        "max_open_daily_files": {name: f.max_open for name, f in files.items()},
        "bad_rows": {"rows": bad.rows, "by_reason": {r: key.counts.get(r, 0) for r in BAD_KINDS}},
        "expected_rejections": dict(sorted(key.counts.items())),
        "scenario_work_orders": dict(sorted(Counter(plan.values()).items())),
        "events": dict(sorted(events.items())),
    }

