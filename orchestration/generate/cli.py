"""Command line: python -m orchestration.generate --work-orders N --seed S --start 2026-01-01 --months M --out DIR"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .config import DEFAULT_BAD_ROW_SHARE, LINES_PER_WORK_ORDER, GeneratorConfig, work_orders_for_lines
from .delivery import generate
from .layouts import LAYOUTS


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m orchestration.generate",
        description="Write a seeded synthetic Field Service / Project Operations extract delivery (SPEC §1), with "
                    "an answer key of the rows made bad on purpose in DIR/_generator/.")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--work-orders", type=int, metavar="N", help="number of work orders")
    size.add_argument("--lines", type=int, metavar="L",
                      help=f"approximate number of work order lines (work orders = lines / {LINES_PER_WORK_ORDER})")
    p.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default 7)")
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1), metavar="DATE",
                   help="first day of the period, YYYY-MM-DD (default 2026-01-01)")
    p.add_argument("--months", type=int, default=4, metavar="M", help="length of the period in months (default 4)")
    p.add_argument("--bad-row-share", type=float, default=DEFAULT_BAD_ROW_SHARE, metavar="SHARE",
                   help=f"share of transactional rows made bad on purpose (default {DEFAULT_BAD_ROW_SHARE})")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="delivery folder to write")
    p.add_argument("--layout", choices=LAYOUTS, default="csv",
                   help="csv: one file per setup table, daily files per transactional table (default); synapse: "
                        "Azure Synapse Link CSV with incremental folders; delta: Delta tables under deltalake/ "
                        "(copy on write: for histories of up to tens of thousands of lines). The same history in "
                        "each (SPEC §1.4)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the delivery tables and answer key in a non-empty DIR (other files are kept)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    work_orders = args.work_orders if args.work_orders is not None else work_orders_for_lines(args.lines)
    try:
        cfg = GeneratorConfig(work_orders, args.seed, args.start, args.months, args.bad_row_share)
        generate(cfg, args.out, overwrite=args.overwrite, progress=None if args.quiet else sys.stderr,
                 layout=args.layout)
    except (ValueError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
