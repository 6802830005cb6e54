"""The engine's inputs as one canonical JSON document: what `imse match` reads, what the bot stores on IPFS with
every batch it publishes (its digest goes on chain), and what `ape run matcher verify` re-runs."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from typing import Any

from offchain.canonical import canonical_bytes
from offchain.exceptions import ConfigError
from offchain.matching.cpsat import optimal_plan
from offchain.matching.engine import Plan, plan
from offchain.matching.model import U40, PendingOrder, PrinterState, check_int, shift_intervals
from offchain.matching.rules import Rule, parse_rule

MODES = ("rule", "optimal")


@dataclass(frozen=True)
class Snapshot:
    now: int
    rule_spec: dict[str, Any]
    orders: list[PendingOrder]
    printers: list[PrinterState]
    mode: str = "rule"
    rule_id: int = 0
    rule_version: int = 0

    @property
    def rule(self) -> Rule:
        return parse_rule(self.rule_spec)

    def run(self) -> Plan:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        engine = plan if self.mode == "rule" else optimal_plan
        return engine(self.orders, self.printers, self.rule, now=self.now)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "imse-match-input/1",
            "now": self.now,
            "mode": self.mode,
            "rule": {"id": self.rule_id, "version": self.rule_version, "spec": self.rule_spec},
            "orders": [asdict(o) for o in self.orders],
            "printers": [p.to_json() for p in self.printers],
        }

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_json())

    def digest(self) -> bytes:
        return hashlib.sha256(self.canonical()).digest()

    @classmethod
    def from_json(cls, data: Any) -> Snapshot:
        if not isinstance(data, dict) or data.get("format") != "imse-match-input/1":
            raise ConfigError("not a matcher input snapshot (format imse-match-input/1)")
        try:
            rule, orders, printers = data["rule"], data["orders"], data["printers"]
            if not isinstance(orders, list) or not isinstance(printers, list) or not isinstance(rule, dict):
                raise ConfigError("snapshot: orders and printers must be lists, rule an object")
            return cls(
                now=check_int("snapshot", "now", data["now"], 0, U40),
                rule_spec=rule["spec"],
                orders=[PendingOrder.from_json(_object(o, "order")) for o in orders],
                printers=[PrinterState.from_json(_object(p, "printer")) for p in printers],
                mode=data.get("mode", "rule"),
                rule_id=check_int("snapshot", "rule.id", rule.get("id", 0), 0, U40),
                rule_version=check_int("snapshot", "rule.version", rule.get("version", 0), 0, U40),
            )
        except KeyError as err:
            raise ConfigError(f"snapshot: missing {err}") from err


def load_inputs(orders: Any, printers: Any, rule_spec: Any, *, now: int | None = None, mode: str = "rule") -> Snapshot:
    """A snapshot from the what-if files of `imse match`: orders (a list, or {"now": …, "orders": [...]}),
    printers (a list; `shifts` absolute [[start, end], …] or weekly [{"days", "start", "end"}, …] with an optional
    `timezone`) and a rule spec."""
    if isinstance(orders, dict):
        now = now if now is not None else orders.get("now")
        orders = orders.get("orders")
    if not isinstance(orders, list) or not isinstance(printers, list):
        raise ConfigError('orders and printers must be JSON lists (orders may be {"now": …, "orders": [...]})')
    when = check_int("input", "now", now if now is not None else int(time.time()), 0, U40)
    rule = parse_rule(rule_spec)
    window_end = when + round(rule.window_hours * 3600)
    states = []
    for raw in printers:
        entry = dict(_object(raw, "printer"))
        shifts = entry.get("shifts", [])
        timezone = entry.pop("timezone", "UTC")
        if shifts and isinstance(shifts[0], dict):
            entry["shifts"] = [list(s) for s in shift_intervals(shifts, when, window_end, timezone)]
        states.append(PrinterState.from_json(entry))
    pending = []
    for raw in orders:
        pending.append(PendingOrder.from_json(_object(raw, "order")))
    return Snapshot(when, rule_spec, pending, states, mode)


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"each {what} is a JSON object; got {value!r:.60}")
    return value
