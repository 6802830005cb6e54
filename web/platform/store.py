"""The web platform's own database (SQLite, WAL): issued sign-in messages, sessions, customers' designs, carts,
shipping data and cart publications. What is on chain is never kept here as truth; this is what the server alone
knows (who signed in, which nonces are spent, what is in a cart, the shipping data whose salted hash is on chain)."""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web.platform.shipping import ShippingVault

SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in (
    nonce TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    address TEXT NOT NULL,
    expires REAL NOT NULL,
    used REAL
);
CREATE TABLE IF NOT EXISTS design (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    info TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cart_line (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    design_id INTEGER NOT NULL REFERENCES design(id),
    choices TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS shipping (
    address TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS publish (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    lines TEXT NOT NULL,
    shipping TEXT NOT NULL,
    tx_hash TEXT,
    state TEXT NOT NULL,
    orders TEXT,
    error TEXT,
    created REAL NOT NULL,
    sender TEXT,
    nonce INTEGER,
    from_block INTEGER,
    replaced TEXT
);
CREATE TABLE IF NOT EXISTS session (
    sid TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    roles TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
"""


ADDED_COLUMNS = (("sender", "TEXT"), ("nonce", "INTEGER"), ("from_block", "INTEGER"), ("replaced", "TEXT"),
                 ("call_data", "TEXT"), ("scanned", "INTEGER"), ("finished", "REAL"), ("purged", "REAL"))  # fmt: skip


@dataclass(frozen=True)
class Design:
    id: int
    address: str
    name: str
    sha256: str
    info: dict[str, Any]


@dataclass(frozen=True)
class CartLine:
    id: int
    design: Design
    choices: dict[str, Any]


@dataclass(frozen=True)
class Publish:
    """One cart publication: its lines and shipping as sent, the transaction and its outcome."""

    id: int
    address: str
    lines: list[dict[str, Any]]
    shipping: dict[str, Any]
    tx_hash: str | None
    state: str  # built | submitted | mined | failed
    orders: list[int]
    error: str | None
    sender: str | None = None
    nonce: int | None = None
    from_block: int | None = None
    """Where to look for a replacement: the sender's nonce of the submitted transaction, the head at submission."""
    replaced: str | None = None
    """The hash first submitted, when the wallet replaced it (sped up) and the record follows the replacement."""
    call_data: str | None = None
    """The `placeOrders` calldata the server built: the submitted transaction must carry exactly this."""
    scanned: int | None = None
    """The last block searched for a replacement (each block is searched once)."""
    finished: float | None = None
    """When every order it placed was first seen Printed or Cancelled."""
    purged: float | None = None
    """When its shipping data was deleted (RETENTION_DAYS after `finished`)."""


@dataclass(frozen=True)
class Session:
    sid: str
    address: str
    chain_id: int
    roles: tuple[str, ...]
    expires: float


class Store:
    """One SQLite file; each thread gets its own connection (the WSGI server is threaded)."""

    def __init__(self, path: Path, *, shipping_key: Path | None = None) -> None:
        """`shipping_key`: the file of the key that seals shipping data (default: shipping.key beside the
        database — never inside it)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.vault = ShippingVault(shipping_key or path.parent / "shipping.key")
        self._local = threading.local()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(publish)")}
            for column, kind in ADDED_COLUMNS:  # databases made by an earlier version get the newer columns
                if column not in have:
                    db.execute(f"ALTER TABLE publish ADD COLUMN {column} {kind}")
        self._seal_plain_shipping()

    def _seal_plain_shipping(self) -> None:
        """Shipping data an earlier version kept in plain text is sealed now."""
        with self._db() as db:
            for table, key in (("shipping", "address"), ("publish", "id")):
                column = "data" if table == "shipping" else "shipping"
                rows = db.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} NOT LIKE 'v1:%'").fetchall()
                for row_key, text in rows:
                    sealed = self.vault.seal(json.loads(text))
                    db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (sealed, row_key))

    def connection(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """This thread's connection, for the platform's other tables (the faucet's drip ledger)."""
        return self._db()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        yield db

    # ------------------------------------------------------------------------------------------ sign-in messages

    def issue(self, nonce: str, message: str, address: str, expires: float) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sign_in WHERE expires < ?", (time.time(),))  # unused and expired: gone
            db.execute("INSERT INTO sign_in VALUES (?, ?, ?, ?, NULL)", (nonce, message, address, expires))

    def issued(self, nonce: str) -> tuple[str, bool] | None:
        """The message issued with `nonce` and whether it was used, or None."""
        with self._db() as db:
            row = db.execute("SELECT message, used FROM sign_in WHERE nonce = ?", (nonce,)).fetchone()
        return (row[0], row[1] is not None) if row else None

    def spend(self, nonce: str) -> bool:
        """Marks the nonce used; False when it already was (atomic: one of two concurrent sign-ins wins)."""
        with self._db() as db:
            done = db.execute("UPDATE sign_in SET used = ? WHERE nonce = ? AND used IS NULL", (time.time(), nonce))
        return done.rowcount == 1

    # ------------------------------------------------------------------------------------------ sessions

    def open_session(self, address: str, chain_id: int, roles: tuple[str, ...], seconds: float) -> Session:
        now = time.time()
        session = Session(secrets.token_urlsafe(24), address, chain_id, roles, now + seconds)
        with self._db() as db:
            db.execute("DELETE FROM session WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO session VALUES (?, ?, ?, ?, ?, ?)",
                (session.sid, address, chain_id, json.dumps(list(roles)), now, session.expires),
            )
        return session

    def session(self, sid: str) -> Session | None:
        with self._db() as db:
            row = db.execute(
                "SELECT sid, address, chain_id, roles, expires FROM session WHERE sid = ? AND expires > ?",
                (sid, time.time()),
            ).fetchone()
        return Session(row[0], row[1], int(row[2]), tuple(json.loads(row[3])), float(row[4])) if row else None

    def set_roles(self, sid: str, roles: tuple[str, ...]) -> None:
        with self._db() as db:
            db.execute("UPDATE session SET roles = ? WHERE sid = ?", (json.dumps(list(roles)), sid))

    def close_session(self, sid: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM session WHERE sid = ?", (sid,))

    # ------------------------------------------------------------------------------------------ designs and cart

    def add_design(self, address: str, name: str, sha256: str, info: dict[str, Any]) -> Design:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO design (address, name, sha256, info, created) VALUES (?, ?, ?, ?, ?)",
                (address, name, sha256, json.dumps(info), time.time()),
            )
        return Design(int(cursor.lastrowid or 0), address, name, sha256, info)

    def designs(self, address: str) -> list[Design]:
        with self._db() as db:
            rows = db.execute(
                "SELECT id, address, name, sha256, info FROM design WHERE address = ? ORDER BY id DESC", (address,)
            ).fetchall()
        return [Design(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def design_usage(self, address: str) -> tuple[int, int]:
        """(designs kept, their bytes) of an account."""
        designs = self.designs(address)
        return len(designs), sum(int(d.info.get("bytes", 0)) for d in designs)

    def expired_designs(self, before: float, limit: int = 100) -> list[Design]:
        """Designs created before `before` that are in no cart (removed by the quota's clean-up)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, address, name, sha256, info FROM design WHERE created < ? AND id NOT IN "
                "(SELECT design_id FROM cart_line) ORDER BY id LIMIT ?",
                (before, limit),
            ).fetchall()
        return [Design(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def delete_design(self, design_id: int) -> None:
        with self._db() as db:
            db.execute("DELETE FROM design WHERE id = ?", (design_id,))

    def sha_in_use(self, sha256: str) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM design WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone() is not None

    def design(self, address: str, design_id: int) -> Design | None:
        return next((d for d in self.designs(address) if d.id == design_id), None)

    def add_line(self, address: str, design_id: int, choices: dict[str, Any]) -> int:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO cart_line (address, design_id, choices, created) VALUES (?, ?, ?, ?)",
                (address, design_id, json.dumps(choices), time.time()),
            )
        return int(cursor.lastrowid or 0)

    def cart(self, address: str) -> list[CartLine]:
        designs = {d.id: d for d in self.designs(address)}
        with self._db() as db:
            rows = db.execute(
                "SELECT id, design_id, choices FROM cart_line WHERE address = ? ORDER BY id", (address,)
            ).fetchall()
        return [CartLine(r[0], designs[r[1]], json.loads(r[2])) for r in rows if r[1] in designs]

    def update_line(self, address: str, line_id: int, choices: dict[str, Any]) -> bool:
        with self._db() as db:
            done = db.execute(
                "UPDATE cart_line SET choices = ? WHERE id = ? AND address = ?", (json.dumps(choices), line_id, address)
            )
        return done.rowcount == 1

    def remove_lines(self, address: str, line_ids: list[int]) -> None:
        with self._db() as db:
            db.executemany("DELETE FROM cart_line WHERE id = ? AND address = ?", [(i, address) for i in line_ids])

    def set_shipping(self, address: str, data: dict[str, str]) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO shipping VALUES (?, ?, ?) ON CONFLICT(address) DO UPDATE SET data = excluded.data, "
                "updated = excluded.updated",
                (address, self.vault.seal(data), time.time()),
            )

    def shipping(self, address: str) -> dict[str, str] | None:
        with self._db() as db:
            row = db.execute("SELECT data FROM shipping WHERE address = ?", (address,)).fetchone()
        return dict(self.vault.open(row[0])) if row else None

    def forget_shipping(self, address: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM shipping WHERE address = ?", (address,))

    # ------------------------------------------------------------------------------------------ publications

    def add_publish(self, address: str, lines: list[dict[str, Any]], shipping: dict[str, Any], call_data: str) -> int:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO publish (address, lines, shipping, state, created, call_data) "
                "VALUES (?, ?, ?, 'built', ?, ?)",
                (address, json.dumps(lines), self.vault.seal(shipping), time.time(), call_data.lower()),
            )
        return int(cursor.lastrowid or 0)

    def publishes(self, address: str) -> list[Publish]:
        with self._db() as db:
            rows = db.execute(
                "SELECT id, address, lines, shipping, tx_hash, state, orders, error, sender, nonce, from_block, "
                "replaced, call_data, scanned, finished, purged FROM publish WHERE address = ? ORDER BY id DESC",
                (address,),
            ).fetchall()
        return [
            Publish(
                r[0], r[1], json.loads(r[2]), self.vault.open(r[3]), r[4], r[5], json.loads(r[6] or "[]"), r[7], *r[8:]
            )
            for r in rows
        ]

    def unpurged_mined(self, limit: int = 500) -> list[tuple[int, list[int], float | None]]:
        """(publication, its orders, when they were all seen final) of mined publications whose shipping data is
        still kept."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, orders, finished FROM publish WHERE state = 'mined' AND purged IS NULL ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [(int(r[0]), [int(o) for o in json.loads(r[1] or "[]")], r[2]) for r in rows]

    def set_finished(self, publish_id: int, when: float) -> None:
        with self._db() as db:
            db.execute("UPDATE publish SET finished = COALESCE(finished, ?) WHERE id = ?", (when, publish_id))

    def purge_shipping(self, publish_id: int, when: float) -> None:
        """Deletes a publication's shipping data for good (its salted hash stays on chain)."""
        with self._db() as db:
            db.execute("UPDATE publish SET shipping = ?, purged = ? WHERE id = ?",
                       (self.vault.seal({}), when, publish_id))  # fmt: skip

    def publish_record(self, address: str, publish_id: int) -> Publish | None:
        return next((p for p in self.publishes(address) if p.id == publish_id), None)

    def shipping_of_order(self, address: str, order_id: int) -> dict[str, Any] | None:
        """The shipping data (with its salt and hash) of the publication that placed `order_id` ({} once deleted
        after the retention time; None when no publication of this site placed it)."""
        for record in self.publishes(address):
            if record.state == "mined" and order_id in record.orders:
                return record.shipping
        return None

    def set_submitted(self, publish_id: int, tx_hash: str, sender: str, nonce: int | None, from_block: int) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE publish SET state = 'submitted', tx_hash = ?, sender = ?, nonce = ?, from_block = ? "
                "WHERE id = ?",
                (tx_hash, sender, nonce, from_block, publish_id),
            )

    def set_scanned(self, publish_id: int, block: int, nonce: int | None = None) -> None:
        """Blocks up to `block` were searched for a replacement (and the submitted transaction's nonce, once the
        node knows it)."""
        with self._db() as db:
            db.execute("UPDATE publish SET scanned = ?, nonce = COALESCE(nonce, ?) WHERE id = ?",
                       (block, nonce, publish_id))  # fmt: skip

    def set_replaced(self, publish_id: int, new_hash: str, old_hash: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE publish SET tx_hash = ?, replaced = COALESCE(replaced, ?) WHERE id = ?",
                (new_hash, old_hash, publish_id),
            )

    def set_publish(
        self, publish_id: int, *, state: str, tx_hash: str | None = None, orders: list[int] | None = None,
        error: str | None = None,
    ) -> None:  # fmt: skip
        with self._db() as db:
            db.execute(
                "UPDATE publish SET state = ?, tx_hash = COALESCE(?, tx_hash), orders = COALESCE(?, orders), "
                "error = ? WHERE id = ?",
                (state, tx_hash, None if orders is None else json.dumps(orders), error, publish_id),
            )
