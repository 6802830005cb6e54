"""Why the matcher bot left an order unmatched in its last cycle, for the customer's My orders: the bot writes
`report.json` beside its checkpoint (data/matcher/ on the local platform); the web server reads it when it changes.
A missing, half-written or damaged report is no report (the page simply says nothing), never an error."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

log = logging.getLogger("imse.web")
REASONS = {
    "design unavailable": "waiting for its design: the file cannot be fetched from the swarm yet",
    "order cannot be planned": "cannot be planned as placed",
}
"""The bot's reason codes as a customer reads them (others are shown as the bot wrote them)."""


class MatcherReport:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._seen: tuple[float, int] | None = None
        self._reasons: dict[int, str] = {}
        self._lock = threading.Lock()

    def reasons(self) -> dict[int, str]:
        """Order id → why the bot did not match it in its last cycle (empty without a usable report)."""
        if self.path is None:
            return {}
        try:
            stat = self.path.stat()
        except OSError:
            return {}
        with self._lock:
            if self._seen != (stat.st_mtime, stat.st_size):
                self._seen, self._reasons = (stat.st_mtime, stat.st_size), self._read()
            return self._reasons

    def _read(self) -> dict[int, str]:
        assert self.path is not None
        try:
            items = json.loads(self.path.read_text())["unmatched"]
            return {int(u["order_id"]): REASONS.get(str(u["reason"]), str(u["reason"])[:120]) for u in items}
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("matcher report %s unreadable (%s): ignored", self.path, err)
            return {}
