"""What a generator run is asked for, and the sizing constants derived from it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from .formats import DAY, add_months, day_number

# Average number of work order lines (products + services) per work order: `--lines L` means L // 5 work orders.
LINES_PER_WORK_ORDER = 5
DEFAULT_BAD_ROW_SHARE = 0.005
# Below this many work orders the generator does not force one bad row of every kind (SPEC R4 coverage).
MIN_WORK_ORDERS_FOR_EVERY_BAD_KIND = 50
# Below this many work orders there are no scenario work orders (no project, company mismatch, ...).
MIN_WORK_ORDERS_FOR_SCENARIOS = 10


@dataclass(frozen=True)
class GeneratorConfig:
    work_orders: int
    seed: int
    start: date
    months: int
    bad_row_share: float = DEFAULT_BAD_ROW_SHARE

    def __post_init__(self) -> None:
        if self.work_orders < 1:
            raise ValueError(f"work_orders must be at least 1, got {self.work_orders}")
        if not 1 <= self.months <= 120:
            raise ValueError(f"months must be between 1 and 120, got {self.months}")
        if not 0 <= self.bad_row_share <= 0.5:
            raise ValueError(f"bad_row_share must be between 0 and 0.5, got {self.bad_row_share}")

    @property
    def start_day(self) -> int:
        return day_number(self.start)

    @property
    def end(self) -> date:
        """First day after the period: the extract is taken at midnight UTC of this day."""
        return add_months(self.start, self.months)

    @property
    def cutoff(self) -> int:
        """No row version is modified at or after this time (seconds since the epoch)."""
        return day_number(self.end) * DAY

    def arguments(self) -> dict[str, object]:
        values = asdict(self)
        values["start"] = self.start.isoformat()
        return values


def work_orders_for_lines(lines: int) -> int:
    return max(1, lines // LINES_PER_WORK_ORDER)
