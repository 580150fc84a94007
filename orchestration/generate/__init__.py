"""Seeded synthetic extract deliveries in the raw contract of SPEC §1 (orchestration/contract.py).

    python -m orchestration.generate --work-orders N --seed S --start 2026-01-01 --months M --out DIR

writes setup tables as `DIR/<table>.csv`, transactional tables as daily increments `DIR/<table>/<date>.csv`, and
an answer key (`DIR/_generator/expected_rejections.csv`, `summary.json`) that landing ignores.
"""

from .config import LINES_PER_WORK_ORDER, GeneratorConfig, work_orders_for_lines
from .delivery import Result, generate

__all__ = ["LINES_PER_WORK_ORDER", "GeneratorConfig", "Result", "generate", "work_orders_for_lines"]
