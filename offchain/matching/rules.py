"""Rules are data: a JSON spec (rules/rule-spec.schema.json) validated before use, never code, never `eval`.

Shipped examples (rules/): FCFS, Priority, 'Rule 1' (customer importance first), EDD. Rework orders go first
under every rule — the paper requires it — and are ranked among themselves by the rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from jsonschema import Draft202012Validator
from numpy.typing import NDArray

from offchain.exceptions import ConfigError

Array = NDArray[Any]

DEFAULT_DIRECTION = {"placed_at": "asc", "due_date": "asc", "estimated_seconds": "asc"}
SHIPPED = ("fcfs", "priority", "rule1-importance", "edd")


@dataclass(frozen=True)
class RuleKey:
    key: str
    descending: bool
    weight: float


@dataclass(frozen=True)
class Rule:
    name: str
    keys: tuple[RuleKey, ...]
    combine: str
    capacity_threshold: float
    window_hours: float
    strategy: str
    spec: dict[str, Any]
    solver_seconds: float = 5.0


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(resources.files("offchain.matching").joinpath("rules", "rule-spec.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def parse_rule(spec: Any) -> Rule:
    """Validates a rule spec; ConfigError lists every problem with its path."""
    problems = [
        f"{e.json_path.removeprefix('$.') if e.json_path != '$' else '(root)'}: {e.message}"
        for e in _validator().iter_errors(spec)
    ]
    if not problems and len({k["key"] for k in spec["keys"]}) != len(spec["keys"]):
        problems.append("keys: a key appears twice")
    if problems:
        raise ConfigError("invalid rule spec: " + "; ".join(problems))
    keys = tuple(
        RuleKey(k["key"], k.get("order", DEFAULT_DIRECTION.get(k["key"], "desc")) == "desc", float(k.get("weight", 1)))
        for k in spec["keys"]
    )
    return Rule(
        name=spec["name"],
        keys=keys,
        combine=spec.get("combine", "lexicographic"),
        capacity_threshold=float(spec.get("capacity_threshold", 0.5)),
        window_hours=float(spec.get("window_hours", 24)),
        strategy=spec.get("strategy", "earliest_finish"),
        spec=spec,
        solver_seconds=float(spec.get("solver_seconds", 5.0)),
    )


def shipped_rule(name: str) -> dict[str, Any]:
    """One of the shipped rule specs by file name (fcfs, priority, rule1-importance, edd)."""
    if name not in SHIPPED:
        raise ConfigError(f"no shipped rule {name!r}; shipped: {', '.join(SHIPPED)}")
    return dict(json.loads(resources.files("offchain.matching").joinpath("rules", f"{name}.json").read_text()))


def rank(columns: dict[str, Array], rework: Array, rule: Rule) -> Array:
    """Indices of the orders in planning order: rework first, then by the rule, order id breaking ties (stable)."""
    count = len(rework)
    tie = np.arange(count)
    if rule.combine == "weighted":
        score = np.zeros(count)
        for k in rule.keys:
            values = columns[k.key].astype(float)
            span = values.max() - values.min() if count else 0.0
            scaled = (values - values.min()) / span if span > 0 else np.zeros(count)
            score += k.weight * (scaled if k.descending else 1.0 - scaled)
        sort_keys = [tie, -score]
    else:
        sort_keys = [tie]
        for k in reversed(rule.keys):
            values = columns[k.key].astype(np.int64)
            sort_keys.append(-values if k.descending else values)
    sort_keys.append((~rework.astype(bool)).astype(np.int64))  # lexsort: the last key is the primary one
    ordered: Array = np.lexsort(sort_keys)
    return ordered
