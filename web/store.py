"""The web platform's own database (SQLite, WAL): issued sign-in messages and sessions. What is on chain is never
kept here as truth; this is what the server alone knows (who signed in, which nonces are spent)."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in (
    nonce TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    address TEXT NOT NULL,
    expires REAL NOT NULL,
    used REAL
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


@dataclass(frozen=True)
class Session:
    sid: str
    address: str
    chain_id: int
    roles: tuple[str, ...]
    expires: float


class Store:
    """One SQLite file; each thread gets its own connection (the WSGI server is threaded)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

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
            db.execute("DELETE FROM sign_in WHERE expires < ?", (time.time() - 3600,))
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
