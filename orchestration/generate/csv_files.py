"""Writing the delivery: one file per setup table, daily increment files per transactional table, the answer key.

CSV as SPEC §1.1 wants it: UTF-8, header row, comma, minimal '"' quoting, '\\n' line endings. Columns are always in
the order of `Table.columns` of the contract.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from orchestration.contract import BY_NAME, Table

from .formats import iso_date

GENERATOR_DIR = "_generator"
EXPECTED_REJECTIONS = "expected_rejections.csv"
SUMMARY = "summary.json"
REJECTION_COLUMNS = ("table_name", "file_name", "row_number", "record_id", "reason_code")


def _open_csv(path: Path) -> tuple[IO[str], Any]:
    handle = path.open("w", encoding="utf-8", newline="")
    return handle, csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def column_index(table_name: str) -> dict[str, int]:
    return {column: i for i, column in enumerate(BY_NAME[table_name].columns)}


def as_row(table: Table, values: Mapping[str, str]) -> list[str]:
    """A row in contract column order from a {column: text} mapping; unknown columns are a bug."""
    unknown = set(values) - set(table.columns)
    if unknown:
        raise KeyError(f"{table.name} has no column(s) {sorted(unknown)}")
    return [values.get(column, "") for column in table.columns]


def write_table(out: Path, table_name: str, records: Iterable[Mapping[str, str]]) -> int:
    """Write a whole setup table as `<out>/<table>.csv` from {column: text} records; returns the row count."""
    table = BY_NAME[table_name]
    rows = [as_row(table, record) for record in records]
    handle, writer = _open_csv(out / f"{table.name}.csv")
    with handle:
        writer.writerow(table.columns)
        writer.writerows(rows)
    return len(rows)


class _DayFile:
    __slots__ = ("handle", "writer", "buffer", "rows")

    def __init__(self, path: Path, header: tuple[str, ...]) -> None:
        self.handle, self.writer = _open_csv(path)
        self.writer.writerow(header)
        self.buffer: list[list[str]] = []
        self.rows = 0

    def flush(self) -> None:
        self.writer.writerows(self.buffer)
        self.buffer.clear()

    def close(self) -> None:
        self.flush()
        self.handle.close()


class DailyFiles:
    """The daily increment files `<out>/<table>/<YYYY-MM-DD>.csv` of one transactional table.

    Only a sliding window of days is open: `close_before(day)` closes every day before `day`, after which
    writing to such a day is a bug (it raises). Rows are buffered per file and written in batches.
    """

    def __init__(self, out: Path, table_name: str, batch_rows: int = 512) -> None:
        self.table = BY_NAME[table_name]
        if not self.table.transactional:
            raise ValueError(f"{table_name} is not a transactional table")
        self.folder = out / self.table.name
        self.batch_rows = batch_rows
        index = column_index(table_name)
        self.version_column = index["versionnumber"]
        self.modified_column = index["modifiedon"]
        self._open: dict[int, _DayFile] = {}
        self._closed_before: int | None = None
        self.files = 0
        self.rows = 0
        self.max_open = 0

    def file_name(self, day: int) -> str:
        return f"{self.table.name}/{iso_date(day)}.csv"

    def add(self, day: int, row: list[str]) -> int:
        """Append a row to the file of `day`; returns its 1-based data row number in that file."""
        day_file = self._open.get(day)
        if day_file is None:
            if self._closed_before is not None and day < self._closed_before:
                raise RuntimeError(f"{self.file_name(day)} was already closed; rows must come in creation order")
            if not self.files:
                self.folder.mkdir(parents=True, exist_ok=True)
            day_file = self._open[day] = _DayFile(self.folder / f"{iso_date(day)}.csv", self.table.columns)
            self.files += 1
            self.max_open = max(self.max_open, len(self._open))
        day_file.buffer.append(row)
        day_file.rows += 1
        self.rows += 1
        if len(day_file.buffer) >= self.batch_rows:
            day_file.flush()
        return day_file.rows

    def close_before(self, day: int) -> None:
        for old in [d for d in self._open if d < day]:
            self._open.pop(old).close()
        if self._closed_before is None or day > self._closed_before:
            self._closed_before = day

    def close(self) -> None:
        for day_file in self._open.values():
            day_file.close()
        self._open.clear()


class AnswerKey:
    """`_generator/expected_rejections.csv`: every row the generator made bad on purpose and its R4 reason."""

    def __init__(self, out: Path) -> None:
        folder = out / GENERATOR_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.handle, self.writer = _open_csv(folder / EXPECTED_REJECTIONS)
        self.writer.writerow(REJECTION_COLUMNS)
        self.counts: dict[str, int] = {}

    def add(self, table_name: str, file_name: str, row_number: int, record_id: str, reason: str) -> None:
        self.writer.writerow((table_name, file_name, row_number, record_id, reason))
        self.counts[reason] = self.counts.get(reason, 0) + 1

    def close(self) -> None:
        self.handle.close()
