"""End-to-end matching latency: `OrderPlaced` → `OrderMatched` through the matcher bot on a real network.

Orders are placed one at a time at a steady pace through the customer node while the bot (`imse matcher run`,
its own process) works on the matcher node. A tracker stamps every block with the time it was first seen;
latency = (first sight of the OrderMatched block) − (submit time), in seconds and in blocks
(matched block − placed block). The bot waits for N confirmations before acting, so the floor is N blocks.
"""

from __future__ import annotations

import hashlib
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from offchain.canonical import canonical_bytes, digest
from offchain.chain.connection import web3_at as connect
from offchain.chain.registry import Registry
from offchain.chain.requests import order_request
from offchain.matching.rules import shipped_rule
from offchain.storage.base import Storage
from offchain.text import table
from offchain.twins.capability import Catalogue, capability_of
from offchain.twins.schema import example_of

ALL_DAY = {"shifts": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:00"}]}
PAPER_MATCHER_LATENCY_S = 6.80  # the paper's matcher explorer: publishing a (hand-made) match, not matching itself


def contract(w3: Web3, registry: Registry, name: str) -> Any:
    entry = registry.contracts[name]
    return w3.eth.contract(address=Web3.to_checksum_address(entry.address), abi=entry.abi)


def transact(w3: Web3, account: Any, call: Any, gas: int = 600_000) -> Any:
    """Signs, sends and waits for a contract call; returns the receipt (fails on revert)."""
    tx = call.build_transaction(
        {
            "from": account.address,
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
            "gas": gas,
            "maxFeePerGas": 10 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "chainId": w3.eth.chain_id,
        }
    )
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction), timeout=180, poll_latency=0.2
    )
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {receipt['transactionHash'].hex()} reverted")
    return receipt


@dataclass(frozen=True)
class MatchingSetup:
    rule_id: int
    designs: list[tuple[str, bytes, int]]  # (cid, sha-256, size µm) of cube-ish boxes
    twin_ids: list[int]


def prepare(
    w3: Web3,
    registry: Registry,
    storage: Storage,
    catalogue: Catalogue,
    servicer: Any,
    matcher: Any,
    *,
    printers: int = 3,
    designs: list[tuple[bytes, int]],
) -> MatchingSetup:
    """Printer twins that work all day every day (documents on IPFS), 'Rule 1' registered, and the designs
    (STL bytes, size in µm) on IPFS."""
    twins, ledger = contract(w3, registry, "TwinRegistry"), contract(w3, registry, "MatchLedger")
    twin_ids = []
    for index in range(printers):
        document = example_of("printer") | {
            "name": f"printer {index + 1}",
            "capacity": ALL_DAY,
            "materials": ["PLA", "PETG"],
        }
        cid = storage.add(canonical_bytes(document))
        receipt = transact(
            w3,
            servicer,
            twins.functions.publishTwin(0, capability_of(document, catalogue).as_tuple(), digest(document), cid),
        )
        twin_ids.append(int(twins.events.TwinPublished().process_receipt(receipt)[0]["args"]["twinId"]))
    spec = canonical_bytes(shipped_rule("rule1-importance"))
    receipt = transact(
        w3, matcher, ledger.functions.registerRule("Rule 1", hashlib.sha256(spec).digest(), storage.add(spec))
    )
    rule_id = int(ledger.events.RuleRegistered().process_receipt(receipt)[0]["args"]["ruleId"])
    stored = [(storage.add(stl), hashlib.sha256(stl).digest(), size) for stl, size in designs]
    return MatchingSetup(rule_id, stored, twin_ids)


def design_request(
    design: tuple[str, bytes, int], *, priority: int = 50, material: int = 0, colour: int = 0
) -> tuple[Any, ...]:
    """An OrderRequest for a stored design (a box of its size, half as high), due in two days."""
    cid, design_digest, size_um = design
    return order_request(
        designDigest=design_digest,
        designCid=cid,
        sizeU=size_um,
        sizeV=size_um,
        sizeW=size_um // 2,
        material=material,
        colour=colour,
        accuracy=200,
        quantity=1,
        priority=priority,
        dueDate=int(time.time()) + 2 * 86400,
        shippingHash=b"\x01" * 32,
    )


class BlockClock(threading.Thread):
    """Remembers when each block was first seen (polled every 100 ms)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.w3 = connect(url)
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        last = self.w3.eth.block_number
        while not self.stop.is_set():
            head = self.w3.eth.block_number
            for number in range(last + 1, head + 1):
                self.seen.setdefault(number, time.time())
            last = max(last, head)
            self.stop.wait(0.1)


@dataclass(frozen=True)
class LatencySample:
    order_id: int
    submitted: float
    placed_block: int
    matched_block: int
    matched_seen: float

    @property
    def seconds(self) -> float:
        return self.matched_seen - self.submitted

    @property
    def blocks(self) -> int:
        return self.matched_block - self.placed_block


def measure(
    customer_url: str,
    registry: Registry,
    customer: Any,
    requests: list[tuple[Any, ...]],
    *,
    interval: float,
    timeout: float,
    progress: Callable[[str], None],
) -> list[LatencySample]:
    """Places `requests` one every `interval` seconds and waits until each is matched (or `timeout`)."""
    w3 = connect(customer_url)
    book, ledger = contract(w3, registry, "OrderBook"), contract(w3, registry, "MatchLedger")
    clock = BlockClock(customer_url)
    clock.start()
    placed: dict[int, tuple[float, int]] = {}
    try:
        for index, request in enumerate(requests):
            submitted = time.time()
            receipt = transact(w3, customer, book.functions.placeOrder(request))
            order_id = int(book.events.OrderPlaced().process_receipt(receipt)[0]["args"]["orderId"])
            placed[order_id] = (submitted, int(receipt["blockNumber"]))
            progress(f"order {order_id} placed ({index + 1}/{len(requests)})")
            time.sleep(max(0.0, interval - (time.time() - submitted)))
        deadline = time.monotonic() + timeout
        matched: dict[int, int] = {}
        while len(matched) < len(placed) and time.monotonic() < deadline:
            first = min(b for _, b in placed.values())
            for event in ledger.events.OrderMatched.get_logs(from_block=first, to_block="latest"):
                if int(event["args"]["orderId"]) in placed:
                    matched[int(event["args"]["orderId"])] = int(event["blockNumber"])
            time.sleep(1)
        last = max(matched.values(), default=0)
        settle = time.monotonic() + 10
        while last not in clock.seen and time.monotonic() < settle:  # the clock polls every 100 ms
            time.sleep(0.1)
    finally:
        clock.stop.set()
        clock.join(timeout=5)
    return [
        LatencySample(order_id, submitted, block, matched[order_id], clock.seen.get(matched[order_id], time.time()))
        for order_id, (submitted, block) in sorted(placed.items())
        if order_id in matched
    ]


def render(samples: list[LatencySample], *, total: int, period: int, confirmations: int) -> str:
    seconds = sorted(s.seconds for s in samples)
    blocks = sorted(s.blocks for s in samples)

    def q(values: list[float] | list[int], share: float) -> float:
        return float(values[min(len(values) - 1, int(share * len(values)))]) if values else float("nan")

    header = (
        "run",
        "P",
        "confirmations",
        "orders",
        "matched",
        "p50 s",
        "p95 s",
        "max s",
        "p50 blocks",
        "p95 blocks",
        "max blocks",
    )
    rows: list[tuple[object, ...]] = [
        (
            "OrderPlaced → OrderMatched (bot)",
            f"{period}s",
            confirmations,
            total,
            len(samples),
            f"{statistics.median(seconds):.2f}" if seconds else "-",
            f"{q(seconds, 0.95):.2f}",
            f"{max(seconds, default=float('nan')):.2f}",
            f"{statistics.median(blocks):.0f}" if blocks else "-",
            f"{q(blocks, 0.95):.0f}",
            max(blocks, default="-"),
        ),
        (
            "paper: matcher explorer, publish only",
            "5s",
            "-",
            "-",
            "-",
            f"{PAPER_MATCHER_LATENCY_S} (mean)",
            "-",
            "-",
            "-",
            "-",
            "-",
        ),
    ]
    return table(header, rows)
