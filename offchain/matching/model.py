"""The matcher's inputs: pending orders and printer states, as plain data (JSON in, JSON out).

Times are unix seconds, lengths µm, material / colour catalogue codes. A printer's working time is a list of
absolute shift intervals inside the matching window (`shift_intervals` turns the weekly shifts of a printer twin
into those); `busy_until` is when the work already planned for it ends (the engine plans after it, never before).

Every input is validated and normalised once, here, whoever builds it (`imse match`, the bot, a snapshot being
re-run): each value is range-checked as the contracts store it (lengths uint32, times uint40, masks uint64), a
wrong one is refused with one line naming the order or printer, the field and the value (ConfigError), and a
printer's shifts are sorted and merged into disjoint stretches (zero-length ones dropped; reversed ones refused).
Masks travel in JSON as hex strings (`"0x…"`), since canonical JSON (RFC 8785) has no integers above 2⁵³; integers
and lists of codes are read too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from offchain.exceptions import ConfigError
from offchain.types import CATALOGUE_SIZE, MAX_QUANTITY, Capability, TwinStatus

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CAPABILITY_KEYS = tuple(Capability.__dataclass_fields__)  # build_x, …, colour_mask (a list gives them in order)
U8, U32, U40, U64 = 2**8 - 1, 2**32 - 1, 2**40 - 1, 2**64 - 1


def check_int(what: str, name: str, value: Any, low: int, high: int) -> int:
    """`value` as an int in low..high, or ConfigError naming `what`, the field and the value."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what}: {name} must be an integer; got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{what}: {name} {value} is out of range {low}..{high}")
    return value


def parse_mask(what: str, name: str, value: Any) -> int:
    """A 64-bit material / colour mask from an int, a hex string ("0x…") or a list of catalogue codes."""
    if isinstance(value, str):
        try:
            value = int(value, 16)
        except ValueError:
            raise ConfigError(f"{what}: {name} {value!r} is not a hex mask") from None
    elif isinstance(value, list):
        codes = [check_int(what, f"{name} code", code, 0, CATALOGUE_SIZE - 1) for code in value]
        value = sum(1 << code for code in set(codes))
    return check_int(what, name, value, 0, U64)


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

    def __post_init__(self) -> None:
        what = f"order {self.order_id!r}"
        check_int("order", "order_id", self.order_id, 1, U64)
        if not isinstance(self.customer, str):
            raise ConfigError(f"{what}: customer must be a string; got {self.customer!r}")
        for name in ("size_u", "size_v", "size_w", "accuracy"):
            check_int(what, name, getattr(self, name), 1, U32)
        check_int(what, "quantity", self.quantity, 1, MAX_QUANTITY)
        for name in ("material", "colour"):
            check_int(what, name, getattr(self, name), 0, CATALOGUE_SIZE - 1)
        for name in ("priority", "importance"):
            check_int(what, name, getattr(self, name), 0, U8)
        for name in ("due_date", "placed_at"):
            check_int(what, name, getattr(self, name), 0, U40)
        check_int(what, "estimated_seconds", self.estimated_seconds, 1, U40)
        if not isinstance(self.rework, bool):
            raise ConfigError(f"{what}: rework must be true or false; got {self.rework!r}")

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

    def __post_init__(self) -> None:
        what = f"printer {self.twin_id!r}"
        check_int("printer", "twin_id", self.twin_id, 1, U64)
        cap = self.capability
        if not isinstance(cap, Capability):
            raise ConfigError(f"{what}: capability must be a Capability; got {cap!r}")
        for name in ("build_x", "build_y", "build_z", "accuracy"):
            check_int(what, f"capability.{name}", getattr(cap, name), 1, U32)
        for name in ("material_mask", "colour_mask"):
            check_int(what, f"capability.{name}", getattr(cap, name), 0, U64)
        if not isinstance(self.status, TwinStatus):
            raise ConfigError(f"{what}: status must be a twin status; got {self.status!r}")
        check_int(what, "busy_until", self.busy_until, 0, U40)
        share = self.availability
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0.0 <= share <= 1.0:
            raise ConfigError(f"{what}: availability must be a number in 0..1; got {share!r}")  # NaN fails too
        intervals = []
        for k, shift in enumerate(self.shifts):
            if not isinstance(shift, tuple | list) or len(shift) != 2:
                raise ConfigError(f"{what}: shift {k + 1} must be [start, end]; got {shift!r}")
            a, b = (
                check_int(what, f"shift {k + 1} {end}", t, 0, U40)
                for end, t in zip(("start", "end"), shift, strict=True)
            )
            if b < a:
                raise ConfigError(f"{what}: shift {k + 1} ends ({b}) before it starts ({a})")
            intervals.append((a, b))
        object.__setattr__(self, "shifts", tuple((a, b) for a, b in merge(intervals) if a < b))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PrinterState:
        data = dict(data)
        what = f"printer {data.get('twin_id', '?')}"
        try:
            cap = data.pop("capability")
            cap = dict(zip(CAPABILITY_KEYS, cap, strict=True)) if isinstance(cap, list) else dict(cap)
            for name in ("material_mask", "colour_mask"):
                if name in cap:
                    cap[name] = parse_mask(what, f"capability.{name}", cap[name])
            capability = Capability(**cap)
            status = data.pop("status", "available")
            data["status"] = TwinStatus[status.upper()] if isinstance(status, str) else TwinStatus(status)
            shifts = data.pop("shifts")
            if not isinstance(shifts, list):
                raise ConfigError(f"{what}: shifts must be a list of [start, end]")
            data["shifts"] = tuple(tuple(s) if isinstance(s, list) else s for s in shifts)
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"{what}: {err.__class__.__name__}: {err}") from err
        printer: PrinterState = _build(cls, {**data, "capability": capability}, "printer")
        return printer

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status.name.lower()
        out["shifts"] = [list(s) for s in self.shifts]
        for name in ("material_mask", "colour_mask"):  # hex: canonical JSON has no integers above 2**53
            out["capability"][name] = hex(out["capability"][name])
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
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise ConfigError(f"unknown timezone {timezone!r}") from err
    check_int("matching window", "start", start, 0, U40)
    check_int("matching window", "end", end, start, U40)
    weekly = []  # (days, start HH:MM, end HH:MM), each shift checked once
    for shift in shifts:
        days = shift.get("days") if isinstance(shift, dict) else None
        if not isinstance(days, list) or not days or not set(days) <= set(DAYS):
            raise ConfigError(f"weekly shift {shift!r}: days must be a list of {', '.join(DAYS)}")
        weekly.append((set(days), _clock(shift, "start"), _clock(shift, "end")))
    first = dt.datetime.fromtimestamp(start, zone).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(end, zone).date()
    intervals = []
    day = first
    while day <= last:
        for days, (h1, m1), (h2, m2) in weekly:
            if DAYS[day.weekday()] not in days:
                continue
            begin = dt.datetime.combine(day, dt.time(h1, m1), zone)
            finish = dt.datetime.combine(day, dt.time(h2 % 24, m2), zone) + dt.timedelta(days=h2 // 24)
            if finish <= begin:
                finish += dt.timedelta(days=1)
            a, b = max(start, int(begin.timestamp())), min(end, int(finish.timestamp()))
            if a < b:
                intervals.append((a, b))
        day += dt.timedelta(days=1)
    return merge(intervals)


def _clock(shift: Any, key: str) -> tuple[int, int]:
    """An "HH:MM" time of a weekly shift (00:00–23:59; "24:00" as an end: midnight)."""
    text = shift.get(key) if isinstance(shift, dict) else None
    parts = text.split(":") if isinstance(text, str) else []
    if len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts):
        hours, minutes = int(parts[0]), int(parts[1])
        if (hours < 24 and minutes < 60) or (key == "end" and (hours, minutes) == (24, 0)):
            return hours, minutes
    raise ConfigError(f"weekly shift {shift!r}: {key} {text!r} is not a time HH:MM (00:00–23:59)")


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
