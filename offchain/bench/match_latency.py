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

from offchain.chain.connection import Chain, connect, web3_at
from offchain.chain.records import OrderRequest
from offchain.chain.registry import Registry
from offchain.chain.signer import Signer
from offchain.matching.rules import shipped_rule
from offchain.services.rules import register_rule
from offchain.services.twin_service import TwinService
from offchain.storage.base import Storage
from offchain.text import table
from offchain.twins.schema import example_of

ALL_DAY = {"shifts": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:00"}]}
PAPER_MATCHER_LATENCY_S = 6.80  # the paper's matcher explorer: publishing a (hand-made) match, not matching itself


@dataclass(frozen=True)
class MatchingSetup:
    rule_id: int
    designs: list[tuple[str, bytes, int]]  # (cid, sha-256, size µm) of cube-ish boxes
    twin_ids: list[int]


def prepare(
    chain: Chain,
    storage: Storage,
    servicer: Signer,
    matcher: Signer,
    *,
    printers: int = 3,
    designs: list[tuple[bytes, int]],
) -> MatchingSetup:
    """Printer twins that work all day every day (documents on IPFS), 'Rule 1' registered, and the designs
    (STL bytes, size in µm) on IPFS."""
    twins = TwinService(chain, storage)
    twin_ids = []
    for index in range(printers):
        document = example_of("printer") | {
            "name": f"printer {index + 1}",
            "capacity": ALL_DAY,
            "materials": ["PLA", "PETG"],
        }
        twin_ids.append(twins.publish(document, signer=servicer).twin_id)
    rule = register_rule(chain, matcher, storage, shipped_rule("rule1-importance"))
    stored = [(storage.add(stl), hashlib.sha256(stl).digest(), size) for stl, size in designs]
    return MatchingSetup(rule.rule_id, stored, twin_ids)


def design_request(
    design: tuple[str, bytes, int], *, priority: int = 50, material: int = 0, colour: int = 0
) -> OrderRequest:
    """An OrderRequest for a stored design (a box of its size, half as high), due in two days."""
    cid, design_digest, size_um = design
    return OrderRequest(
        design_digest, cid, size_um, size_um, size_um // 2, material, colour, 200, 1, priority,
        int(time.time()) + 2 * 86400, b"\x01" * 32,
    )  # fmt: skip


class BlockClock(threading.Thread):
    """Remembers when each block was first seen (polled every `interval` seconds, 100 ms by default)."""

    def __init__(self, url: str, *, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.w3 = web3_at(url)
        self.interval = interval
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        last = self.w3.eth.block_number
        while not self.stop.is_set():
            head = self.w3.eth.block_number
            for number in range(last + 1, head + 1):
                self.seen.setdefault(number, time.time())
            last = max(last, head)
            self.stop.wait(self.interval)


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
    requests: list[OrderRequest],
    *,
    interval: float,
    timeout: float,
    progress: Callable[[str], None],
) -> list[LatencySample]:
    """Places `requests` one every `interval` seconds and waits until each is matched (or `timeout`)."""
    chain = connect(customer_url, registry)
    signer = Signer(chain, customer)
    book = chain.order_book
    clock = BlockClock(customer_url)
    clock.start()
    placed: dict[int, tuple[float, int]] = {}
    try:
        for index, request in enumerate(requests):
            submitted = time.time()
            sent = signer.transact(book.build_place(request, sender=signer.address))
            (order_id,) = book.placed_ids(sent.receipt)
            placed[order_id] = (submitted, sent.block)
            progress(f"order {order_id} placed ({index + 1}/{len(requests)})")
            time.sleep(max(0.0, interval - (time.time() - submitted)))
        deadline = time.monotonic() + timeout
        matched: dict[int, int] = {}
        while len(matched) < len(placed) and time.monotonic() < deadline:
            first = min(b for _, b in placed.values())
            for block, args in chain.match_ledger.matched(from_block=first):
                if int(args["orderId"]) in placed:
                    matched[int(args["orderId"])] = block
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
