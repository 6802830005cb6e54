"""The live chain index: the platform's order events read into SQLite (WAL) by the SDK's event follower, so list
pages read one table instead of looping over RPC calls, and every change is published to the SSE broker.

- **Fresh**: the follower runs at the head (no confirmation depth), polling every 0.25 s, so a page sees a block's
  changes well within a second of its import. A reorganisation is handled by the follower's rewind: the replayed
  span first deletes what the index holds from its blocks on.
- **Authoritative**: events say which orders changed; each touched order's status is read from OrderBook at the
  span's last block (events only say where to look).
- **Rebuildable**: deleting `index.sqlite` (or pointing at another chain) rebuilds it from the deployment block;
  the checkpoint lives inside the database, so the two can never disagree.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offchain.chain.connection import Chain
from offchain.chain.follower import Cursor, EventFollower, Span
from offchain.chain.records import OrderRequest
from offchain.chain.transactions import hex_of, plain
from offchain.exceptions import ChainError
from offchain.types import OrderStatus
from web.platform.events import Broker

log = logging.getLogger("imse.web.platform.index")

SUBSCRIPTIONS = {
    "TwinRegistry": ["TwinPublished", "TwinUpdated", "TwinStatusChanged", "TwinOperatorSet"],
    "OrderBook": ["OrderPlaced", "OrderStatusChanged"],
    "MatchLedger": ["OrderMatched", "OrderUnmatched"],
    "ExecutionLog": ["TaskStarted", "TaskFinished", "FaultReported", "TaskReclaimed"],
}
SCHEMA_VERSION = "2"
KEEP_BLOCKS = 1000
"""Headers of the newest blocks kept for the ledger explorer (older ones are read from the node on request)."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, hash TEXT NOT NULL, signer TEXT NOT NULL, timestamp INTEGER NOT NULL,
    txs INTEGER NOT NULL, gas_used INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    order_id INTEGER PRIMARY KEY, customer TEXT NOT NULL, status INTEGER NOT NULL, material INTEGER NOT NULL,
    colour INTEGER NOT NULL, quantity INTEGER NOT NULL, accuracy INTEGER NOT NULL, priority INTEGER NOT NULL,
    due_date INTEGER NOT NULL, design_cid TEXT NOT NULL, placed_block INTEGER NOT NULL, placed_tx TEXT NOT NULL,
    twin_id INTEGER, planned_start INTEGER, updated_block INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer, order_id);
CREATE TABLE IF NOT EXISTS events (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, subject TEXT NOT NULL, contract TEXT NOT NULL,
    name TEXT NOT NULL, args TEXT NOT NULL, tx TEXT NOT NULL, PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_subject ON events (subject, block, log_index);
CREATE INDEX IF NOT EXISTS events_by_tx ON events (tx);
"""


@dataclass(frozen=True)
class IndexedOrder:
    order_id: int
    customer: str
    status: OrderStatus
    material: int
    colour: int
    quantity: int
    accuracy: int
    priority: int
    due_date: int
    design_cid: str
    placed_block: int
    placed_tx: str
    twin_id: int | None
    planned_start: int | None


class _SqliteCheckpoint:
    """The follower's checkpoint, kept in the index's own database."""

    def __init__(self, index: ChainIndex) -> None:
        self.index = index

    def load(self, genesis: str, start_block: int) -> tuple[Cursor, dict[str, Any]]:
        saved = self.index._meta("cursor")
        if not saved:
            return Cursor(genesis, start_block - 1), {}
        saved_genesis, block, block_hash, earlier = json.loads(saved)
        return Cursor(saved_genesis, int(block), str(block_hash), [(int(b), str(h)) for b, h in earlier]), {}

    def save(self, cursor: Cursor, state: Mapping[str, Any]) -> None:
        self.index._meta_set("cursor", json.dumps([cursor.genesis, cursor.block, cursor.hash, cursor.earlier]))


class ChainIndex:
    def __init__(self, chain: Chain, path: Path, broker: Broker, *, poll_seconds: float = 0.25) -> None:
        self.chain, self.path, self.broker, self.poll_seconds = chain, path, broker, poll_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write = threading.Lock()
        db = self._db()
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        genesis = chain.genesis_hash()
        damaged = _damaged_cursor(self._meta("cursor"))
        if damaged:
            log.warning("index %s: its checkpoint row is damaged (%s): rebuilding the index from the chain", path,
                        damaged)  # fmt: skip
        if (
            damaged
            or self._meta("genesis") not in (None, genesis)
            or self._meta("schema") not in (None, SCHEMA_VERSION)
        ):
            if not damaged:
                log.warning("index %s is of another chain or an older layout: rebuilding it", path)
            with db:
                for table in ("orders", "events", "blocks", "meta"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
        db.executescript(SCHEMA)
        self._meta_set("genesis", genesis)
        self._meta_set("schema", SCHEMA_VERSION)
        self.follower = EventFollower(chain, SUBSCRIPTIONS, _SqliteCheckpoint(self), confirmations=0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ database

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10)
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    def _meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _meta_set(self, key: str, value: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------------------------------ following

    @property
    def block(self) -> int:
        """The last block the index has processed."""
        return self.follower.cursor.block

    def sync(self, *, max_spans: int = 10_000) -> int:
        """Processes every span up to the head now (tests and start-up); returns the spans processed."""
        done = 0
        while done < max_spans and (span := self.follower.poll()) is not None:
            self.follower.commit(span, self._handle(span))
            done += 1
        return done

    def start(self) -> None:
        """Follows the chain in a background thread until `stop`."""
        self._thread = threading.Thread(target=self._run, name="chain-index", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.follower.run(self._handle, self._stop, poll_seconds=self.poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _handle(self, span: Span) -> dict[str, Any]:
        touched: set[int] = set()
        customers: set[str] = set()
        with self._write, self._db() as db:
            if span.rewound:
                # every order with an event in the dropped blocks is read again, whether or not the new chain's
                # span names it: a match (or a fault) that the reorganisation undid must not stay in the index
                dropped = db.execute(
                    "SELECT DISTINCT subject FROM events WHERE block >= ? AND subject LIKE 'order:%'", (span.first,)
                ).fetchall()
                touched.update(int(str(row[0]).removeprefix("order:")) for row in dropped)
                for table, column in (("events", "block"), ("orders", "placed_block"), ("blocks", "number")):
                    db.execute(f"DELETE FROM {table} WHERE {column} >= ?", (span.first,))
            self._blocks(db, span)
            for event in span.events:
                if "orderId" in event.args:
                    order_id = int(event.args["orderId"])
                    touched.add(order_id)
                    subject = f"order:{order_id}"
                else:
                    subject = f"twin:{int(event.args['twinId'])}"
                db.execute(
                    "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (event.block, event.log_index, subject, event.contract, event.name,
                     json.dumps(plain(event.args)), event.tx_hash),
                )  # fmt: skip
                if event.name == "OrderPlaced":
                    r = OrderRequest.from_abi(event.args["request"])
                    db.execute(
                        "INSERT OR REPLACE INTO orders (order_id, customer, status, material, colour, quantity, "
                        "accuracy, priority, due_date, design_cid, placed_block, placed_tx, updated_block) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (order_id, str(event.args["customer"]), int(OrderStatus.PLACED), r.material, r.colour,
                         r.quantity, r.accuracy, r.priority, r.due_date, r.design_cid, event.block, event.tx_hash,
                         event.block),
                    )  # fmt: skip
            for order_id in touched:
                status = self.chain.order_book.status(order_id, block=span.last)
                match = db.execute(
                    "SELECT args FROM events WHERE subject = ? AND name IN ('OrderMatched', 'OrderUnmatched') "
                    "ORDER BY block DESC, log_index DESC LIMIT 1",
                    (f"order:{order_id}",),
                ).fetchone()
                unplanned = status in (OrderStatus.PLACED, OrderStatus.CANCELLED)
                matched = json.loads(match[0]) if match and not unplanned else {}
                db.execute(
                    "UPDATE orders SET status = ?, twin_id = ?, planned_start = ?, updated_block = ? "
                    "WHERE order_id = ?",
                    (int(status), matched.get("twinId"), matched.get("plannedStart"), span.last, order_id),
                )
                owner = db.execute("SELECT customer FROM orders WHERE order_id = ?", (order_id,)).fetchone()
                if owner:
                    customers.add(str(owner[0]))
        for customer in sorted(customers):
            self.broker.publish(f"orders:{customer.lower()}")
        self.broker.publish("blocks", span.last)
        return {}

    def _blocks(self, db: sqlite3.Connection, span: Span) -> None:
        """Headers of the span's blocks (the newest `KEEP_BLOCKS` only) with their clique signer."""
        for number in range(max(span.first, span.last - KEEP_BLOCKS + 1), span.last + 1):
            block = self.chain.transactions.block(number)
            if block is None:
                raise ChainError(f"block {number} is not on the node (yet): the span is read again")
            db.execute(
                "INSERT OR REPLACE INTO blocks VALUES (?, ?, ?, ?, ?, ?)",
                (number, hex_of(block["hash"]), self.chain.transactions.signer_of(block),
                 int(block["timestamp"]), len(block["transactions"]), int(block["gasUsed"])),
            )  # fmt: skip
        db.execute("DELETE FROM blocks WHERE number <= ?", (span.last - KEEP_BLOCKS,))

    # ------------------------------------------------------------------------------------------ reads

    def blocks(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = (
            self._db()
            .execute(
                "SELECT number, hash, signer, timestamp, txs, gas_used FROM blocks ORDER BY number DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [dict(zip(("number", "hash", "signer", "timestamp", "txs", "gas_used"), r, strict=True)) for r in rows]

    def transactions(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest transactions that emitted platform events: hash, block, contract and its events."""
        rows = (
            self._db()
            .execute(
                "SELECT tx, MAX(block), MIN(contract), GROUP_CONCAT(name, ', ') FROM events GROUP BY tx "
                "ORDER BY MAX(block) DESC, MAX(log_index) DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [dict(zip(("tx", "block", "contract", "events"), r, strict=True)) for r in rows]

    def subject_events(self, subject: str) -> list[dict[str, Any]]:
        """Every indexed event of `order:<id>` or `twin:<id>`, in chain order."""
        rows = (
            self._db()
            .execute(
                "SELECT block, contract, name, args, tx FROM events WHERE subject = ? ORDER BY block, log_index",
                (subject,),
            )
            .fetchall()
        )
        return [{"block": r[0], "contract": r[1], "event": r[2], "args": json.loads(r[3]), "tx": r[4]} for r in rows]

    def orders_of(self, customer: str, *, limit: int = 1000) -> list[IndexedOrder]:
        rows = (
            self._db()
            .execute(
                "SELECT order_id, customer, status, material, colour, quantity, accuracy, priority, due_date, "
                "design_cid, placed_block, placed_tx, twin_id, planned_start FROM orders WHERE customer = ? "
                "COLLATE NOCASE "
                "ORDER BY order_id DESC LIMIT ?",
                (customer, limit),
            )
            .fetchall()
        )
        return [IndexedOrder(r[0], r[1], OrderStatus(r[2]), *r[3:]) for r in rows]

    def statuses(self, order_ids: list[int]) -> dict[int, OrderStatus]:
        """The indexed status of each of `order_ids` that the index knows."""
        if not order_ids:
            return {}
        marks = ",".join("?" * len(order_ids))
        rows = self._db().execute(f"SELECT order_id, status FROM orders WHERE order_id IN ({marks})", order_ids)
        return {int(r[0]): OrderStatus(int(r[1])) for r in rows.fetchall()}

    def timeline(self, order_id: int) -> list[dict[str, Any]]:
        return self.subject_events(f"order:{order_id}")


def _damaged_cursor(saved: str | None) -> str | None:
    """Why a stored checkpoint row cannot be read (None when it can, or when there is none)."""
    if saved is None:
        return None
    try:
        genesis, block, block_hash, earlier = json.loads(saved)
        int(block)
        str(block_hash)
        [(int(b), str(h)) for b, h in earlier]
        str(genesis)
    except (ValueError, TypeError) as err:
        return f"{type(err).__name__}: {str(err)[:100]}"
    return None
