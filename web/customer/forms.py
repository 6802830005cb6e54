"""Reading the explorer's forms: every field range-checked, each refusal naming its field."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from offchain.exceptions import BadRequestError, ConfigError
from offchain.services.ordering import OrderChoices, check_choices
from offchain.types import MAX_QUANTITY
from web.platform.context import catalogue, platform
from web.platform.store import CartLine, Design


def design_of(address: str, value: str) -> Design:
    try:
        found = platform().store.design(address, int(value))
    except ValueError:
        found = None
    if found is None:
        raise BadRequestError("choose one of your uploaded designs", field="design")
    return found


def line_of(address: str, line_id: int) -> CartLine:
    line = next((x for x in platform().store.cart(address) if x.id == line_id), None)
    if line is None:
        raise BadRequestError(f"no cart line {line_id} in your cart", field="line")
    return line


def form_int(form: Any, field: str, low: int, high: int) -> int:
    return int(_number(form, field, low, high, int, "a whole number"))


def form_float(form: Any, field: str, low: float, high: float, *, default: float) -> float:
    if not (form.get(field) or "").strip():
        return default
    return float(_number(form, field, low, high, float, "a number"))


def _number(form: Any, field: str, low: float, high: float, parse: Callable[[str], float], kind: str) -> float:
    raw = (form.get(field) or "").strip()
    try:
        value = parse(raw)
    except ValueError:
        raise BadRequestError(f"{field} must be {kind}, got {raw!r}", field=field) from None
    if not low <= value <= high:
        raise BadRequestError(f"{field} must be {low:g}..{high:g}, got {value:g}", field=field)
    return value


def choices_from(form: Any) -> dict[str, Any]:
    names = catalogue()
    material, colour = form.get("material", ""), form.get("colour", "")
    if material not in names.materials.values():
        raise BadRequestError(f"material {material!r} is not in the catalogue", field="material")
    if colour not in names.colours.values():
        raise BadRequestError(f"colour {colour!r} is not in the catalogue", field="colour")
    due_text = (form.get("due") or "").strip()
    try:
        due = int(datetime.strptime(due_text, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise BadRequestError(
            f"due date must look like 2026-12-24T17:00 (UTC), got {due_text!r}", field="due"
        ) from None
    choices = OrderChoices(
        material=material,
        colour=colour,
        accuracy_um=form_int(form, "accuracy", 1, 10_000),
        quantity=form_int(form, "quantity", 1, MAX_QUANTITY),
        priority=form_int(form, "priority", 0, 100),
        due_date=due,
    )
    try:
        check_choices(choices, now=int(time.time()))
    except ConfigError as err:
        raise BadRequestError(str(err), field="due") from None
    return {
        "material": choices.material, "colour": choices.colour, "accuracy_um": choices.accuracy_um,
        "quantity": choices.quantity, "priority": choices.priority, "due_date": choices.due_date,
    }  # fmt: skip
