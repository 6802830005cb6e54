"""Every drip the faucet made or tried (who, when, how much, from which client, its transaction and outcome), in the
web database; the consortium admin's view reads it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from web.platform.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS drip (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    client TEXT NOT NULL,
    amount TEXT NOT NULL,
    state TEXT NOT NULL,
    tx_hash TEXT,
    block INTEGER,
    error TEXT,
    created REAL NOT NULL,
    done REAL
);
CREATE INDEX IF NOT EXISTS drip_address ON drip(address, created);
CREATE INDEX IF NOT EXISTS drip_created ON drip(created);
"""
COLUMNS = "id, address, client, amount, state, tx_hash, block, error, created, done"


@dataclass(frozen=True)
class Drip:
    id: int
    address: str
    client: str
    amount_wei: int
    state: str  # queued | mined | failed
    tx_hash: str | None
    block: int | None
    error: str | None
    created: float
    done: float | None


def _drip(row: Any) -> Drip:
    """A row in COLUMNS order (the amount is kept as text: wei exceed SQLite's integers)."""
    return Drip(row[0], row[1], row[2], int(row[3]), *row[4:])


class DripLedger:
    def __init__(self, store: Store) -> None:
        self.store = store
        with store.connection() as db:
            db.executescript(SCHEMA)

    def add(self, address: str, client: str, amount_wei: int, *, now: float | None = None) -> Drip:
        with self.store.connection() as db:
            cursor = db.execute(
                "INSERT INTO drip (address, client, amount, state, created) VALUES (?, ?, ?, 'queued', ?)",
                (address.lower(), client, str(amount_wei), time.time() if now is None else now),
            )
        found = self.get(int(cursor.lastrowid or 0))
        assert found is not None
        return found

    def get(self, drip_id: int) -> Drip | None:
        with self.store.connection() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM drip WHERE id = ?", (drip_id,)).fetchone()
        return None if row is None else _drip(row)

    def finish(self, drip_id: int, *, tx_hash: str | None, block: int | None, error: str | None) -> None:
        with self.store.connection() as db:
            db.execute(
                "UPDATE drip SET state = ?, tx_hash = ?, block = ?, error = ?, done = ? WHERE id = ?",
                ("failed" if error else "mined", tx_hash, block, error, time.time(), drip_id),
            )

    def last_for(self, address: str, since: float) -> Drip | None:
        """The address's latest drip (not failed) created after `since`."""
        with self.store.connection() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM drip WHERE address = ? AND state != 'failed' AND created > ? "
                "ORDER BY id DESC LIMIT 1",
                (address.lower(), since),
            ).fetchone()
        return None if row is None else _drip(row)

    def client_count(self, client: str, since: float) -> int:
        with self.store.connection() as db:
            row = db.execute("SELECT COUNT(*) FROM drip WHERE client = ? AND created > ?", (client, since)).fetchone()
        return int(row[0])

    def total_since(self, since: float) -> int:
        """Wei dripped (or on its way) since `since`."""
        with self.store.connection() as db:
            rows = db.execute("SELECT amount FROM drip WHERE state != 'failed' AND created > ?", (since,)).fetchall()
        return sum(int(row[0]) for row in rows)

    def recent(self, limit: int = 200) -> list[Drip]:
        with self.store.connection() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM drip ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_drip(row) for row in rows]

    def queued(self) -> list[Drip]:
        with self.store.connection() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM drip WHERE state = 'queued' ORDER BY id").fetchall()
        return [_drip(row) for row in rows]
