"""What runs inside a measured child process (bench/measure.py): one stage, then its facts as JSON.

    python -m bench.child land RAW_DIR BUILD_DB OUT_JSON [BATCHES]
    python -m bench.child handwritten SCRIPT HANDWRITTEN_DB RAW_DIR OUT_JSON
    python -m bench.child publish BUILD_DB WAREHOUSE OUT_JSON
    python -m bench.child exports BUILD_DB EXPORT_DIR OUT_JSON
    python -m bench.child land-spark RAW_DIR OUT_JSON          # the Spark warehouse: FIELDLEDGER_SPARK_DIR
    python -m bench.child exports-spark EXPORT_DIR OUT_JSON
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path


def batch_folders(raw_dir: Path, batches: int, work: Path) -> list[Path]:
    """The delivery as `batches` consecutive increments (folders of symlinks under `work`): the daily files of the
    transactional tables split by day into contiguous ranges, the setup files in the first. A file keeps its
    name relative to the delivery, so the landed rows are the same as from one landing of the whole folder."""
    from orchestration.landing import discover

    files, _ = discover(raw_dir)
    days = sorted({f.path.name for f in files if "/" in f.name})
    size = -(-len(days) // batches) if days else 1
    batch_of_day = {day: i // size for i, day in enumerate(days)}
    shutil.rmtree(work, ignore_errors=True)
    folders = [work / f"batch-{k + 1:03d}" for k in range(max(1, min(batches, len(days) or 1)))]
    for f in files:
        target = folders[batch_of_day.get(f.path.name, 0) if "/" in f.name else 0] / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(f.path.resolve())
    return folders


def land(raw_dir: Path, db: Path, out: Path, batches: int = 1) -> None:
    from orchestration.landing import land as land_delivery

    folders = [raw_dir] if batches <= 1 else batch_folders(raw_dir, batches, db.parent / "landing-batches")
    totals = {"files": 0, "rows_delivered": 0, "rows_landed": 0, "rows_duplicate": 0, "rows_unparseable": 0,
              "files_with_unparseable_records": 0}  # their bad records come from DuckDB's reject tables
    per_batch = []
    for i, folder in enumerate(folders, 1):
        if len(folders) > 1:
            print(f"landing batch {i}/{len(folders)}: {folder.name}", flush=True)
        began = time.perf_counter()
        report = land_delivery(folder, db, progress=print)
        seconds = time.perf_counter() - began
        counts = {"files": len(report.files), **{k: report.total(k) for k in list(totals)[1:5]},
                  "files_with_unparseable_records": sum(1 for f in report.files if f.rows_unparseable)}
        for k, v in counts.items():
            totals[k] += v
        per_batch.append({"batch": folder.name, "seconds": round(seconds, 2), **counts})
    out.write_text(json.dumps({**totals, "batches": len(folders), "per_batch": per_batch}, indent=1),
                   encoding="utf-8")


def handwritten(script: Path, db: Path, raw_dir: Path, out: Path) -> None:
    from bench.speed_limit import run_script

    out.write_text(json.dumps(run_script(script, db, raw_dir, progress=print), indent=1), encoding="utf-8")


def publish(db: Path, warehouse: Path, out: Path) -> None:
    from orchestration.publish import publish as publish_marts

    publication = publish_marts(db, warehouse)
    out.write_text(json.dumps({"tables": len(publication.tables), "rows": sum(publication.tables.values()),
                               "bytes": warehouse.stat().st_size, "marts": publication.how}, indent=1),
                   encoding="utf-8")


def exports(db: Path, export_dir: Path, out: Path) -> None:
    from orchestration.exports import export_batch

    batch = export_batch(db, export_dir)
    files = sorted(batch.folder.iterdir()) if batch else []
    out.write_text(json.dumps({"rows": batch.rows if batch else {}, "files": {p.name: p.stat().st_size for p in files}},
                              indent=1), encoding="utf-8")


def land_spark(raw_dir: Path, out: Path) -> None:
    from orchestration.spark_landing import land as land_on_spark

    report = land_on_spark(raw_dir)
    out.write_text(json.dumps({"files": len(report.files), **{k: report.total(k) for k in (
        "rows_delivered", "rows_landed", "rows_duplicate", "rows_unparseable")},
        "files_with_unparseable_records": sum(1 for f in report.files if f.rows_unparseable), "batches": 1,
        "seconds": round(report.seconds, 2)}, indent=1), encoding="utf-8")


def exports_spark(export_dir: Path, out: Path) -> None:
    from orchestration.spark_exports import export_batches

    rows: dict[str, int] = {}
    files: dict[str, int] = {}
    for batch in export_batches(export_dir):
        for name, n in batch.rows.items():
            rows[name] = rows.get(name, 0) + n
        files |= {p.name: p.stat().st_size for p in sorted(batch.folder.iterdir())}
    out.write_text(json.dumps({"rows": rows, "files": files}, indent=1), encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["land"] and len(argv) in (4, 5):
        land(Path(argv[1]), Path(argv[2]), Path(argv[3]), int(argv[4]) if len(argv) == 5 else 1)
    elif argv[:1] == ["handwritten"] and len(argv) == 5:
        handwritten(Path(argv[1]), Path(argv[2]), Path(argv[3]), Path(argv[4]))
    elif argv[:1] == ["publish"] and len(argv) == 4:
        publish(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif argv[:1] == ["exports"] and len(argv) == 4:
        exports(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif argv[:1] == ["land-spark"] and len(argv) == 3:
        land_spark(Path(argv[1]), Path(argv[2]))
    elif argv[:1] == ["exports-spark"] and len(argv) == 3:
        exports_spark(Path(argv[1]), Path(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
