"""Local drafts of twin documents (a small SQLite store in the project's data folder).

Owners edit drafts freely — by JSON Patch or by replacing the whole document — and every change is validated
against the kind's schema before it is stored, so a draft is always publishable as far as its shape goes. A
change that fails validation is not written. Publishing records the twin id on the draft.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offchain.exceptions import DraftNotFoundError, TwinError
from offchain.twins.patch import apply_patch
from offchain.twins.schema import validate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    twin_id INTEGER
)
"""


@dataclass(frozen=True)
class Draft:
    id: int
    kind: str
    name: str
    document: dict[str, Any]
    revision: int
    created_at: float
    updated_at: float
    twin_id: int | None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "revision": self.revision,
            "updated": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.updated_at)),
            "twin": self.twin_id,
        }


class DraftStore:
    """Drafts in an SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # one transaction: committed on success, rolled back on any error
                yield db
        except sqlite3.Error as err:
            raise TwinError(f"draft store {self.path}: {err}") from err
        finally:
            db.close()

    def create(self, document: Any) -> Draft:
        """Stores a new draft after validating it."""
        kind = validate(document)
        now = time.time()
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO drafts (kind, name, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (kind, document["name"], json.dumps(document), now, now),
            )
            draft_id = int(cursor.lastrowid or 0)
        return self.get(draft_id)

    def get(self, draft_id: int) -> Draft:
        with self._db() as db:
            row = db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise DraftNotFoundError(draft_id)
        return _draft(row)

    def list(self) -> list[Draft]:
        with self._db() as db:
            return [_draft(row) for row in db.execute("SELECT * FROM drafts ORDER BY id")]

    def replace(self, draft_id: int, document: Any) -> Draft:
        """Replaces the whole document (validated; the kind may not change)."""
        current = self.get(draft_id)
        kind = validate(document)
        if kind != current.kind:
            raise TwinError(f"draft {draft_id} is a {current.kind}; a {kind} document cannot replace it")
        return self._store(current, document)

    def patch(self, draft_id: int, patch: Any) -> Draft:
        """Applies a JSON Patch; the result is validated before it is stored."""
        current = self.get(draft_id)
        document = apply_patch(current.document, patch)
        kind = validate(document)
        if kind != current.kind:
            raise TwinError(f"the patch turns a {current.kind} into a {kind}: not allowed")
        return self._store(current, document)

    def mark_published(self, draft_id: int, twin_id: int) -> Draft:
        with self._db() as db:
            db.execute("UPDATE drafts SET twin_id = ? WHERE id = ?", (twin_id, draft_id))
        return self.get(draft_id)

    def delete(self, draft_id: int) -> None:
        with self._db() as db:
            if db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,)).rowcount == 0:
                raise DraftNotFoundError(draft_id)

    def _store(self, current: Draft, document: dict[str, Any]) -> Draft:
        with self._db() as db:
            updated = db.execute(
                "UPDATE drafts SET document = ?, name = ?, revision = revision + 1, updated_at = ? "
                "WHERE id = ? AND revision = ?",
                (json.dumps(document), document["name"], time.time(), current.id, current.revision),
            ).rowcount
        if updated == 0:
            raise TwinError(f"draft {current.id} changed while you edited it (revision {current.revision}); retry")
        return self.get(current.id)


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        document=json.loads(row["document"]),
        revision=row["revision"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        twin_id=row["twin_id"],
    )
