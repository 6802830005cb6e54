"""How much gas the faucet gives, to whom and how often.

A drip is "a typical month of the role's transactions" at the price a wallet offers on this chain: geth's miner
takes transactions whose tip is at least `--miner.gasprice` (1 gwei by default) and the base fee of a quiet clique
chain sinks to its floor of 7 wei, so a wallet pays about 1 gwei per gas; the figures below assume 2 gwei for head
room. The monthly gas per role is counted from `make gas`'s figures (docs/web.md#gas-and-the-faucet).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from offchain.exceptions import ConfigError

GWEI = 10**9
ETHER = 10**18
PRICE_WEI = 2 * GWEI
"""The gas price a drip is sized for (a wallet pays ~1 gwei here: tip 1 gwei + base fee floor 7 wei)."""

MONTH_GAS: Mapping[str, int] = {
    "customer": 60 * 250_000 + 30 * 50_000,  # 60 carts of ~3 orders (placeOrders), 30 cancellations
    "servicer": 30 * (10 * 120_000 + 20 * 2 * 90_000),  # a day: 10 twin updates, 20 jobs started and finished
    "matcher": 30 * 50 * 700_000,  # a day: 50 batches of ~10 matches (the bot)
    "admin": 100 * 100_000,  # catalogue entries and role grants
}
"""Gas of a typical month of each role's transactions."""


def month_wei(role: str) -> int:
    return MONTH_GAS[role] * PRICE_WEI


@dataclass(frozen=True)
class FaucetPolicy:
    drips: Mapping[str, int] = field(default_factory=lambda: {role: month_wei(role) for role in MONTH_GAS})
    """Wei per drip by role; an account gets the largest of its roles' drips."""
    threshold_share: float = 0.5
    """An account gets a drip only while its balance is below this share of its drip."""
    period_seconds: float = 24 * 3600
    """At most one drip per address in this period."""
    daily_budget_wei: int = 50 * ETHER
    """At most this much dripped in any 24 hours, to everyone together."""
    client_per_hour: int = 10
    """At most this many drips per client (IP address) in any hour."""

    def __post_init__(self) -> None:
        if not 0 < self.threshold_share <= 1:
            raise ConfigError(f"faucet threshold share must be in (0, 1], got {self.threshold_share}")
        if self.period_seconds <= 0 or self.client_per_hour < 1 or self.daily_budget_wei <= 0:
            raise ConfigError("faucet period, hourly client limit and daily budget must be positive")
        if any(amount <= 0 for amount in self.drips.values()):
            raise ConfigError("every faucet drip must be positive")

    def drip_for(self, roles: tuple[str, ...]) -> int:
        return max(self.drips.get(role, self.drips["customer"]) for role in roles or ("customer",))

    def threshold_for(self, roles: tuple[str, ...]) -> int:
        return int(self.drip_for(roles) * self.threshold_share)


def coins(wei: int, symbol: str = "") -> str:
    """Wei as coins, 4 significant decimals at most ("0.033 IMSE", "0 IMSE", "<0.0001 IMSE")."""
    if wei == 0:
        text = "0"
    elif wei < 10**14:
        text = "<0.0001"
    else:
        text = f"{Decimal(wei) / ETHER:.4f}".rstrip("0").rstrip(".")
    return f"{text} {symbol}".strip()
