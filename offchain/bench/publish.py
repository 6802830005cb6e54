"""Caliper-style publish benchmark: `placeOrder` transactions on the real clique network.

One round = one load pattern on one network, for N blocks of the chain (not N × period seconds: under load a
loaded machine may seal more slowly than the period, and each round still spans N blocks):
- *fixed rate*: the workers together submit `rate` transactions per second;
- *saturation*: each worker keeps up to `window` transactions in flight, so blocks fill up.

Each worker owns one funded account and tracks its nonce locally (no `eth_getTransactionCount` per send). A
tracker polls the customer node for new blocks every 50 ms and stamps each of our transactions with the time its
block was seen: latency = seen − submit, throughput = successes / (last confirmation − first submit).
"""

from __future__ import annotations

import csv
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from offchain.chain.connection import web3_at
from offchain.chain.requests import sample_order
from offchain.exceptions import RpcError
from offchain.network import rpc

PAPER_CUSTOMER_LATENCY_S = 14.75
PAPER_TPS = 17.22  # the paper's "throughput": 254 tx per block / one transaction's latency, computed, not measured


@dataclass
class Sample:
    worker: int
    nonce: int
    tx_hash: str
    submitted: float
    confirmed: float | None = None
    block: int | None = None
    ok: bool | None = None

    @property
    def latency(self) -> float | None:
        return None if self.confirmed is None else self.confirmed - self.submitted


@dataclass
class RoundResult:
    name: str
    period: int
    mode: str
    duration: float
    samples: list[Sample]
    block_gas: list[tuple[int, int, int]] = field(default_factory=list)  # (block, gas used, gas limit)

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def send_rate(self) -> float:
        times = [s.submitted for s in self.samples]
        return len(times) / (max(times) - min(times)) if len(times) > 1 else 0.0

    @property
    def throughput(self) -> float:
        ok = self.ok
        if not ok:
            return 0.0
        first = min(s.submitted for s in self.samples)
        last = max(s.confirmed for s in ok if s.confirmed is not None)
        return len(ok) / (last - first)

    def latency_quantile(self, q: float) -> float:
        values = sorted(s.latency for s in self.ok if s.latency is not None)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]

    @property
    def gas_used_pct(self) -> float:
        """Median share of the block gas limit used, over the blocks that carried our transactions."""
        ours = {s.block for s in self.ok}
        shares = [used / limit * 100 for block, used, limit in self.block_gas if block in ours]
        return statistics.median(shares) if shares else 0.0

    @property
    def blocks(self) -> int:
        return len({s.block for s in self.ok})


class Tracker(threading.Thread):
    """Watches new blocks and stamps our transactions with the time their block was first seen."""

    def __init__(self, url: str, pending: dict[str, Sample]) -> None:
        super().__init__(daemon=True)
        self.url, self.pending = url, pending
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.head = int(rpc.call(url, "eth_blockNumber"), 16)
        self.block_gas: list[tuple[int, int, int]] = []

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                head = int(rpc.call(self.url, "eth_blockNumber"), 16)
                while self.head < head and not self.stop_event.is_set():
                    self._observe(self.head + 1)
                    self.head += 1
            except RpcError:
                # A loaded node may answer slowly: retry the same block rather than lose it (or the thread).
                time.sleep(0.2)
                continue
            time.sleep(0.05)

    def _observe(self, number: int) -> None:
        seen = time.time()
        block = rpc.call(self.url, "eth_getBlockByNumber", hex(number), False, timeout=30)
        receipts = rpc.call(self.url, "eth_getBlockReceipts", hex(number), timeout=60) if block else None
        if block is None or receipts is None:
            # The head moved under us (a short clique reorg): look at this height again on the next poll.
            raise RpcError(self.url, "eth_getBlockByNumber", f"block {number} not available yet")
        status = {r["transactionHash"]: r["status"] == "0x1" for r in receipts}
        self.block_gas.append((number, int(block["gasUsed"], 16), int(block["gasLimit"], 16)))
        with self.lock:
            for tx_hash in block["transactions"]:
                if (sample := self.pending.pop(tx_hash, None)) is not None:
                    sample.confirmed, sample.block, sample.ok = seen, number, status.get(tx_hash, False)


def _order_call(book: Any, due: int) -> Any:
    return book.functions.placeOrder(sample_order(due))


def run_round(
    *,
    name: str,
    url: str,
    order_book: dict[str, Any],
    keys: list[str],
    period: int,
    mode: str,
    blocks: int,
    rate: float,
    window: int,
    progress: Callable[[str], None],
) -> RoundResult:
    """Runs one round against the node at `url` and returns every sample once confirmed (or timed out)."""
    w3 = web3_at(url, timeout=30)
    book = w3.eth.contract(address=Web3.to_checksum_address(order_book["address"]), abi=order_book["abi"])
    chain_id = w3.eth.chain_id
    due = int(time.time()) + 365 * 24 * 3600
    call = _order_call(book, due)
    gas = int(call.estimate_gas({"from": Account.from_key(keys[0]).address}) * 1.02)
    data = call._encode_transaction_data()
    base_fee = w3.eth.get_block("latest")["baseFeePerGas"]
    accounts = [Account.from_key(k) for k in keys]
    nonces = [int(w3.eth.get_transaction_count(a.address, "pending")) for a in accounts]
    samples: list[Sample] = []
    pending: dict[str, Sample] = {}
    tracker = Tracker(url, pending)
    tracker.start()
    start = time.time()
    last_block = tracker.head + blocks
    give_up_at = start + 3 * blocks * max(period, 1)

    def running() -> bool:
        return tracker.head < last_block and time.time() < give_up_at

    def worker(index: int) -> None:
        account, nonce = accounts[index], int(nonces[index])
        interval = len(accounts) / rate if mode == "fixed" else 0.0
        next_send = start + index * interval / len(accounts)
        while running():
            if mode == "fixed":
                time.sleep(max(0.0, next_send - time.time()))
                next_send += interval
            else:
                with tracker.lock:
                    in_flight = sum(1 for s in pending.values() if s.worker == index)
                if in_flight >= window:
                    time.sleep(0.02)
                    continue
            tx = {
                "to": book.address,
                "data": data,
                "gas": gas,
                "nonce": nonce,
                "chainId": chain_id,
                "maxFeePerGas": base_fee * 4 + 10**9,
                "maxPriorityFeePerGas": 10**9,
                "value": 0,
            }
            raw = account.sign_transaction(tx).raw_transaction
            submitted = time.time()
            tx_hash = "0x" + bytes(w3.eth.send_raw_transaction(raw)).hex()
            sample = Sample(index, nonce, tx_hash, submitted)
            with tracker.lock:
                pending[tx_hash] = sample
                samples.append(sample)
            nonce += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(accounts))]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        time.sleep(min(10.0, blocks * period / 6))
        progress(f"{name}: {len(samples)} sent, {len(samples) - len(pending)} confirmed, head {tracker.head}")
    drain_until = time.time() + max(60.0, 10 * period)
    while pending and time.time() < drain_until:
        time.sleep(0.2)
    tracker.stop_event.set()
    tracker.join()
    return RoundResult(name, period, mode, time.time() - start, samples, tracker.block_gas)


def write_csv(path: Path, rounds: list[RoundResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "round",
                "period_s",
                "mode",
                "worker",
                "nonce",
                "tx_hash",
                "submitted",
                "confirmed",
                "latency_s",
                "block",
                "ok",
            ]
        )
        for r in rounds:
            for s in r.samples:
                writer.writerow(
                    [
                        r.name,
                        r.period,
                        r.mode,
                        s.worker,
                        s.nonce,
                        s.tx_hash,
                        f"{s.submitted:.3f}",
                        "" if s.confirmed is None else f"{s.confirmed:.3f}",
                        "" if s.latency is None else f"{s.latency:.3f}",
                        s.block or "",
                        s.ok,
                    ]
                )


def render_table(rounds: list[RoundResult]) -> str:
    header = ("round", "P", "send tx/s", "sent", "ok", "tput tx/s", "p50 s", "p95 s", "p99 s", "gas used", "blocks")
    rows = [
        (
            r.name,
            f"{r.period}s",
            f"{r.send_rate:.1f}",
            str(len(r.samples)),
            str(len(r.ok)),
            f"{r.throughput:.1f}",
            f"{r.latency_quantile(0.5):.2f}",
            f"{r.latency_quantile(0.95):.2f}",
            f"{r.latency_quantile(0.99):.2f}",
            f"{r.gas_used_pct:.0f}%",
            str(r.blocks),
        )
        for r in rounds
    ]
    rows.append(
        (
            "paper: customer explorer",
            "5s",
            "-",
            "-",
            "-",
            f"{PAPER_TPS} (computed)",
            f"{PAPER_CUSTOMER_LATENCY_S} (mean)",
            "-",
            "-",
            "-",
            "-",
        )
    )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, tuple("-" * w for w in widths), *rows]:
        lines.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
    return "\n".join(lines)


def plot(path: Path, rounds: list[RoundResult]) -> None:
    """Latency CDF per round, with the paper's mean and our targets marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for r in rounds:
        values = sorted(s.latency for s in r.ok if s.latency is not None)
        if values:
            ax.plot(values, [(i + 1) / len(values) for i in range(len(values))], label=f"{r.name} (P={r.period}s)")
    ax.axvline(PAPER_CUSTOMER_LATENCY_S, color="grey", linestyle="--", label="paper: customer explorer mean")
    ax.axvline(3.0, color="green", linestyle=":", label="target p50 ≤ 3.0 s (P=5s)")
    ax.axvline(5.5, color="red", linestyle=":", label="target p95 ≤ 5.5 s (P=5s)")
    ax.set_xlabel("latency: submit → block seen (s)")
    ax.set_ylabel("share of transactions")
    ax.set_title("placeOrder publish latency on the 4-node clique network")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
