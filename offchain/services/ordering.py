"""From a customer's STL and choices to an OrderBook.OrderRequest: the design is checked (parse, size limits) and
put on IPFS, its size measured, material and colour looked up in the on-chain catalogue, and the shipping data
reduced to a salted hash — the shipping data itself never goes on chain. Used by `ape run orders` and the web."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from offchain.canonical import canonical_bytes
from offchain.chain.records import OrderRequest
from offchain.exceptions import ConfigError
from offchain.printing.stl import StlInfo, StlLimits, read_stl
from offchain.storage.base import Storage
from offchain.types import MAX_PRIORITY, MAX_QUANTITY, Catalogue

MAX_ACCURACY_UM = 10_000


@dataclass(frozen=True)
class OrderChoices:
    """What a customer picks for one design (names from the catalogue; accuracy = the tolerance asked, µm)."""

    material: str
    colour: str
    accuracy_um: int
    quantity: int
    priority: int
    due_date: int


@dataclass(frozen=True)
class Shipping:
    """The shipping data kept off chain, and the salted hash that goes on chain (so it cannot be guessed back)."""

    data: dict[str, Any]
    salt: str

    def digest(self) -> bytes:
        return hashlib.sha256(canonical_bytes({"shipping": self.data, "salt": self.salt})).digest()

    @classmethod
    def new(cls, data: dict[str, Any]) -> Shipping:
        return cls(data, secrets.token_hex(16))

    def to_json(self) -> dict[str, Any]:
        return {"shipping": self.data, "salt": self.salt, "hash": "0x" + self.digest().hex()}


@dataclass(frozen=True)
class PreparedOrder:
    request: OrderRequest
    design: StlInfo


def _code(names: dict[int, str], name: str, what: str) -> int:
    by_name = {n.lower(): code for code, n in names.items()}
    if name.lower() not in by_name:
        known = ", ".join(names.values()) or "none yet"
        raise ConfigError(f"{what} {name!r} is not in the catalogue (known: {known})")
    return by_name[name.lower()]


def check_choices(choices: OrderChoices, now: int) -> None:
    """ConfigError naming the first choice the contract would refuse (checked before anything is uploaded)."""
    if not 1 <= choices.quantity <= MAX_QUANTITY:
        raise ConfigError(f"quantity {choices.quantity}: must be 1..{MAX_QUANTITY}")
    if not 1 <= choices.accuracy_um <= MAX_ACCURACY_UM:
        raise ConfigError(f"accuracy {choices.accuracy_um} µm: must be 1..{MAX_ACCURACY_UM}")
    if not 0 <= choices.priority <= MAX_PRIORITY:
        raise ConfigError(f"priority {choices.priority}: must be 0..{MAX_PRIORITY}")
    if choices.due_date <= now:
        raise ConfigError(f"due date {choices.due_date} is not in the future (now {now})")


def prepare_order(
    stl: bytes,
    choices: OrderChoices,
    shipping: Shipping,
    catalogue: Catalogue,
    storage: Storage,
    *,
    now: int,
    limits: StlLimits | None = None,
) -> PreparedOrder:
    """Validates everything, then uploads the design; StlError / ConfigError before any upload."""
    check_choices(choices, now)
    material = _code(catalogue.materials, choices.material, "material")
    colour = _code(catalogue.colours, choices.colour, "colour")
    design = read_stl(stl, limits=limits or StlLimits())
    cid = storage.add(stl)
    u, v, w = design.size_um
    request = OrderRequest(
        design_digest=hashlib.sha256(stl).digest(),
        design_cid=cid,
        size_u=u, size_v=v, size_w=w,
        material=material,
        colour=colour,
        accuracy=choices.accuracy_um,
        quantity=choices.quantity,
        priority=choices.priority,
        due_date=choices.due_date,
        shipping_hash=shipping.digest(),
    )  # fmt: skip
    return PreparedOrder(request, design)
