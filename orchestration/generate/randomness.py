"""Seeded randomness: one independent `random.Random` stream per concern, and GUIDs drawn from a stream.

Streams are seeded from (seed, name), so e.g. the reference data does not change when only the bad-row share does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_VERSION_4 = (0xF000 << 64, 0x4000 << 64)
_VARIANT = (0xC000 << 48, 0x8000 << 48)


def stream(seed: int, name: str) -> random.Random:
    return random.Random(f"fieldledger-generate/{seed}/{name}")


def guid(rng: random.Random) -> str:
    """str(uuid.UUID(int=rng.getrandbits(128), version=4)), without the uuid object (it sits in the hot loop)."""
    n = rng.getrandbits(128)
    n = (n & ~_VERSION_4[0]) | _VERSION_4[1]
    n = (n & ~_VARIANT[0]) | _VARIANT[1]
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in items], [weight for _, weight in items])[0]


class Quota:
    """A random event with a given rate that happens at least once once `force_from` opportunities are reached.

    `hit(position)` draws; if nothing has hit yet and `position >= force_from`, it hits regardless. So small
    deliveries (the demo) still contain every scenario, and big ones follow the rate.
    """

    def __init__(self, rng: random.Random, rate: float, force_from: int | None) -> None:
        self.rng = rng
        self.rate = rate
        self.force_from = force_from
        self.count = 0

    def hit(self, position: int) -> bool:
        hit = self.rng.random() < self.rate
        if not hit and self.count == 0 and self.force_from is not None and position >= self.force_from:
            hit = True
        if hit:
            self.count += 1
        return hit
