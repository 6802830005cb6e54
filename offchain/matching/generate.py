"""Generated matching instances (benchmarks, property tests, what-if examples). Deterministic per seed."""

from __future__ import annotations

import random

from offchain.matching.model import PendingOrder, PrinterState
from offchain.types import Capability, TwinStatus

MM = 1000
HOUR = 3600
# printer families: plate x, y, z (mm), accuracy (µm)
FAMILIES = [(250, 210, 210, 100), (220, 220, 250, 150), (300, 300, 400, 200), (180, 180, 180, 50), (350, 350, 350, 100)]


def printers(count: int, *, now: int, seed: int = 1, window_hours: float = 24) -> list[PrinterState]:
    """`count` printers: mixed families, 2–6 of 6 materials and 3–8 of 8 colours each, two 8-hour shifts a day
    (some printers one), a few already busy, ~5 % under maintenance."""
    rng = random.Random(seed)
    out = []
    days = int(window_hours // 24) + 2
    for twin_id in range(1, count + 1):
        x, y, z, accuracy = rng.choice(FAMILIES)
        materials = rng.sample(range(6), rng.randint(2, 6))
        colours = rng.sample(range(8), rng.randint(3, 8))
        day0 = now - now % (24 * HOUR)
        shifts = []
        two = rng.random() < 0.7
        for d in range(days):
            base = day0 + d * 24 * HOUR
            shifts.append((base + 6 * HOUR, base + 14 * HOUR))
            if two:
                shifts.append((base + 14 * HOUR, base + 22 * HOUR))
        out.append(
            PrinterState(
                twin_id=twin_id,
                capability=Capability(
                    x * MM, y * MM, z * MM, accuracy, sum(1 << m for m in materials), sum(1 << c for c in colours)
                ),
                status=TwinStatus.MAINTENANCE if rng.random() < 0.05 else TwinStatus.AVAILABLE,
                shifts=tuple(shifts),
                busy_until=now + rng.choice([0, 0, 0, HOUR, 3 * HOUR]),
            )
        )
    return out


def orders(count: int, *, now: int, seed: int = 2) -> list[PendingOrder]:
    """`count` pending orders: parts 10–300 mm, 30 min – 6 h prints, priorities, due dates 4 h – 3 days out,
    10 % from important customers, 3 % rework."""
    rng = random.Random(seed)
    out = []
    for order_id in range(1, count + 1):
        size = [int(rng.triangular(10, 300, 60) * MM) for _ in range(3)]
        out.append(
            PendingOrder(
                order_id=order_id,
                customer=f"0x{rng.randrange(16**40):040x}",
                size_u=size[0],
                size_v=size[1],
                size_w=size[2],
                material=rng.randrange(6),
                colour=rng.randrange(8),
                accuracy=rng.choice([100, 150, 200, 300, 500]),
                quantity=rng.randint(1, 3),
                priority=rng.randint(0, 100),
                due_date=now + rng.randint(4 * HOUR, 72 * HOUR),
                placed_at=now - rng.randint(0, 48 * HOUR),
                estimated_seconds=int(rng.triangular(1800, 6 * HOUR, 2 * HOUR)),
                rework=rng.random() < 0.03,
                importance=1 if rng.random() < 0.1 else 0,
            )
        )
    return out
