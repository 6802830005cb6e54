"""The matcher's inputs: pending orders and printer states, as plain data (JSON in, JSON out).

Times are unix seconds, lengths µm, material / colour catalogue codes. A printer's working time is a list of
absolute shift intervals inside the matching window (`shift_intervals` turns the weekly shifts of a printer twin
into those); `busy_until` is when the work already planned for it ends (the engine plans after it, never before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from offchain.exceptions import ConfigError
from offchain.types import Capability, TwinStatus

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PendingOrder:
    order_id: int
    customer: str
    size_u: int
    size_v: int
    size_w: int
    material: int
    colour: int
    accuracy: int
    quantity: int
    priority: int
    due_date: int
    placed_at: int
    estimated_seconds: int
    rework: bool = False
    importance: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingOrder:
        order: PendingOrder = _build(cls, data, "order")
        return order


@dataclass(frozen=True)
class PrinterState:
    twin_id: int
    capability: Capability
    status: TwinStatus
    shifts: tuple[tuple[int, int], ...]
    busy_until: int = 0
    availability: float = 1.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PrinterState:
        data = dict(data)
        try:
            cap = data.pop("capability")
            capability = Capability(**cap) if isinstance(cap, dict) else Capability(*cap)
            status = data.pop("status", "available")
            data["status"] = TwinStatus[status.upper()] if isinstance(status, str) else TwinStatus(status)
            data["shifts"] = tuple((int(a), int(b)) for a, b in data.pop("shifts"))
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"printer {data.get('twin_id', '?')}: {err.__class__.__name__}: {err}") from err
        printer: PrinterState = _build(cls, {**data, "capability": capability}, "printer")
        return printer

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status.name.lower()
        out["shifts"] = [list(s) for s in self.shifts]
        return out


def _build(cls: Any, data: dict[str, Any], what: str) -> Any:
    names = set(cls.__dataclass_fields__)
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{what}: unknown field(s) {', '.join(unknown)}")
    try:
        return cls(**data)
    except TypeError as err:
        raise ConfigError(f"{what} {data.get('order_id', data.get('twin_id', '?'))}: {err}") from err


def shift_intervals(
    shifts: list[dict[str, Any]], start: int, end: int, timezone: str = "UTC"
) -> tuple[tuple[int, int], ...]:
    """Absolute [start, end) intervals of weekly `shifts` (the twin schema's capacity.shifts) clipped to the window
    [start, end). A shift whose end is at or before its start runs past midnight."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(f"unknown timezone {timezone!r}") from err
    first = dt.datetime.fromtimestamp(start, zone).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(end, zone).date()
    intervals = []
    day = first
    while day <= last:
        for shift in shifts:
            if DAYS[day.weekday()] not in shift["days"]:
                continue
            (h1, m1), (h2, m2) = (map(int, shift[k].split(":")) for k in ("start", "end"))
            begin = dt.datetime.combine(day, dt.time(h1, m1), zone)
            finish = dt.datetime.combine(day, dt.time(h2, m2), zone)
            if finish <= begin:
                finish += dt.timedelta(days=1)
            a, b = max(start, int(begin.timestamp())), min(end, int(finish.timestamp()))
            if a < b:
                intervals.append((a, b))
        day += dt.timedelta(days=1)
    return merge(intervals)


def merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping intervals covering the same time."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


@dataclass
class Assignment:
    order_id: int
    twin_id: int
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Unmatched:
    order_id: int
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
