"""The faucet: gas for signed-in accounts that have too little, sent from the faucet's own key (a genesis-funded
account on the dev network, or one the consortium funds) by one background thread.

Its key comes from the server's environment ($IMSE_WEB_FAUCET_KEY, set by `ape run web up --faucet-account`), never
a command line, a page or a log: only the faucet's address is ever shown.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from eth_account import Account
from web3 import Web3

from offchain.chain.connection import Chain
from offchain.chain.contract import UnsignedTx
from offchain.chain.signer import Signer
from offchain.exceptions import FaucetRefusedError, ImseError
from web.platform.drips import Drip, DripLedger
from web.platform.events import Broker
from web.platform.faucet_policy import FaucetPolicy, coins

log = logging.getLogger("imse.faucet")
HOUR = 3600.0
DAY = 24 * HOUR
TRANSFER_GAS = 21_000
SHARED_CLIENT = "loopback"
"""Recorded as the client of a drip whose visitor could not be told apart (no per-client limit applied)."""


@dataclass(frozen=True)
class GasState:
    """What the page shows about an account's gas."""

    balance_wei: int
    drip_wei: int
    threshold_wei: int
    pending: Drip | None
    refusal: tuple[str, str] | None
    """(reason code, message) when a request would be refused now; None when the faucet would drip."""

    @property
    def low(self) -> bool:
        return self.balance_wei < self.threshold_wei


class Faucet:
    def __init__(
        self, chain: Chain, ledger: DripLedger, broker: Broker, policy: FaucetPolicy, key: str = "", symbol: str = ""
    ) -> None:
        self.chain, self.ledger, self.broker, self.policy, self.symbol = chain, ledger, broker, policy, symbol
        account = Account.from_key(key) if key else None
        self.address = str(account.address) if account else None
        self._signer = Signer(chain, account) if account else None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        for drip in ledger.queued():  # left by a server that stopped before sending: never sent twice
            ledger.finish(drip.id, tx_hash=None, block=None, error="the server restarted before sending it")

    @property
    def enabled(self) -> bool:
        return self._signer is not None

    def balance(self, address: str) -> int:
        return self.chain.transactions.balance(address)

    # ------------------------------------------------------------------------------------------ requests

    def state(self, address: str, roles: tuple[str, ...], client: str | None) -> GasState:
        now, balance = time.time(), self.balance(address)
        last = self.ledger.last_for(address, now - self.policy.period_seconds)
        return GasState(
            balance,
            self.policy.drip_for(roles),
            self.policy.threshold_for(roles),
            last if last and last.state == "queued" else None,
            self._refusal(roles, client, balance, last, now),
        )

    def pending(self, address: str) -> Drip | None:
        """The account's drip still on its way, if any."""
        last = self.ledger.last_for(address, time.time() - self.policy.period_seconds)
        return last if last and last.state == "queued" else None

    def request(self, address: str, roles: tuple[str, ...], client: str | None, *, now: float | None = None) -> Drip:
        """Queues a drip for `address` (sent by the faucet's thread, or `process()`); FaucetRefusedError with the
        reason's code in `details` when the policy says no. `client` is the visitor's address, None when it cannot
        be told apart from others' (loopback): then no per-client limit applies, only per account and per day."""
        now = time.time() if now is None else now
        with self._lock:  # checks and record together: two requests at once cannot both pass
            last = self.ledger.last_for(address, now - self.policy.period_seconds)
            refusal = self._refusal(roles, client, self.balance(address), last, now)
            if refusal is not None:
                raise FaucetRefusedError(refusal[1], details={"reason": refusal[0]})
            drip = self.ledger.add(address, client or SHARED_CLIENT, self.policy.drip_for(roles), now=now)
        log.info("drip %d queued: %s to %s (client %s)", drip.id, coins(drip.amount_wei, self.symbol), address, client)
        self._wake.set()
        return drip

    def _refusal(
        self, roles: tuple[str, ...], client: str | None, balance: int, last: Drip | None, now: float
    ) -> tuple[str, str] | None:
        """Why the faucet would not drip now to an account with `balance` whose latest drip within the period is
        `last`; None when it would."""
        p, amount = self.policy, self.policy.drip_for(roles)
        if not self.enabled or self.address is None:
            return "disabled", "this platform runs no faucet: ask your consortium's operator to send you gas"
        if balance >= p.threshold_for(roles):
            return "above_threshold", (f"you have {coins(balance, self.symbol)}, enough for now: the faucet gives gas "
                                       f"to accounts below {coins(p.threshold_for(roles), self.symbol)}")  # fmt: skip
        if last is not None:
            if last.state == "queued":
                return "too_soon", "gas for this account is already on its way"
            hours = (last.created + p.period_seconds - now) / HOUR
            return "too_soon", f"the faucet gave this account gas less than a day ago: again in {hours:.1f} h"
        if client is not None and self.ledger.client_count(client, now - HOUR) >= p.client_per_hour:
            return "rate_limited", "too many gas requests from your network in the last hour: try again later"
        if self.ledger.total_since(now - DAY) + amount > p.daily_budget_wei:
            return "daily_budget", "the faucet's budget for today is used up: try again tomorrow or ask your operator"
        if self.balance(self.address) < amount + TRANSFER_GAS * self.chain.transactions.fee_per_gas(
            self._signer.tip_wei if self._signer else None
        ):
            return "empty", "the faucet itself has run dry: tell your consortium's operator"
        return None

    # ------------------------------------------------------------------------------------------ sending

    def process(self) -> int:
        """Sends every queued drip, one after another, each waited for; returns how many were sent."""
        sent = 0
        for drip in self.ledger.queued():
            self._send(drip)
            sent += 1
        return sent

    def _send(self, drip: Drip) -> None:
        assert self._signer is not None
        assert self.address is not None
        to = Web3.to_checksum_address(drip.address)
        tx = UnsignedTx("faucet", "drip", self.address, to, "0x", TRANSFER_GAS, self.chain.registry.chain_id,
                        drip.amount_wei)  # fmt: skip
        try:
            done = self._signer.transact(tx, deadline_seconds=120)
        except (ImseError, OSError, ValueError) as err:
            log.warning("drip %d to %s failed: %s", drip.id, to, err)
            self.ledger.finish(drip.id, tx_hash=None, block=None, error=str(err))
        else:
            log.info("drip %d mined in block %d: %s", drip.id, done.block, done.tx_hash)
            self.ledger.finish(drip.id, tx_hash=done.tx_hash, block=done.block, error=None)
        self.broker.publish(f"gas:{drip.address.lower()}", drip.id)

    def start(self) -> None:
        """The sending thread (a daemon; `stop()` ends it)."""
        if self._thread is None and self.enabled:
            self._thread = threading.Thread(target=self._run, name="faucet", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(timeout=5)
            self._wake.clear()
            try:
                self.process()
            except Exception:  # the thread must outlive a node that is briefly down
                log.exception("faucet: sending failed; retrying")
