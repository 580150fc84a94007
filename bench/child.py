"""What runs inside a measured child process (bench/measure.py): one stage, then its facts as JSON.

    python -m bench.child land RAW_DIR BUILD_DB OUT_JSON
    python -m bench.child handwritten SCRIPT HANDWRITTEN_DB RAW_DIR OUT_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def land(raw_dir: Path, db: Path, out: Path) -> None:
    from orchestration.landing import land as land_delivery

    report = land_delivery(raw_dir, db, progress=print)
    careful = [f.file_name for f in report.files if f.rows_unparseable]
    out.write_text(json.dumps({
        "files": len(report.files),
        "rows_delivered": report.total("rows_delivered"),
        "rows_landed": report.total("rows_landed"),
        "rows_duplicate": report.total("rows_duplicate"),
        "rows_unparseable": report.total("rows_unparseable"),
        # files with an unparseable record are re-read record by record with Python's csv module
        "files_read_record_by_record": len(careful),
        "seconds_inside": report.seconds,
    }, indent=1), encoding="utf-8")


def handwritten(script: Path, db: Path, raw_dir: Path, out: Path) -> None:
    from bench.speed_limit import run_script

    out.write_text(json.dumps(run_script(script, db, raw_dir, progress=print), indent=1), encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["land"] and len(argv) == 4:
        land(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif argv[:1] == ["handwritten"] and len(argv) == 5:
        handwritten(Path(argv[1]), Path(argv[2]), Path(argv[3]), Path(argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
