"""The web server's periodic clean-up, in one background thread: shipping data of publications whose orders are all
Printed or Cancelled is deleted `shipping.RETENTION_DAYS` after that was first seen, and expired designs in no cart
go (web.customer.quota). Each pass is logged when it deletes something; a failing pass is logged and retried at the
next interval, never fatal."""

from __future__ import annotations

import logging
import threading
import time

from offchain.types import OrderStatus
from web.platform.index import ChainIndex
from web.platform.shipping import RETENTION_DAYS
from web.platform.store import Store

log = logging.getLogger("imse.web.platform.housekeeping")
INTERVAL = 600.0
FINAL = (OrderStatus.PRINTED, OrderStatus.CANCELLED)


def purge_shipping(store: Store, index: ChainIndex, now: float | None = None) -> int:
    """One pass over the shipping data still kept; returns how many publications' data were deleted."""
    now = time.time() if now is None else now
    purged = 0
    for publish_id, orders, finished in store.unpurged_mined():
        statuses = index.statuses(orders)
        if not orders or any(statuses.get(o) not in FINAL for o in orders):
            continue
        if finished is None:
            store.set_finished(publish_id, now)
        elif now - finished >= RETENTION_DAYS * 86400:
            store.purge_shipping(publish_id, now)
            purged += 1
    if purged:
        log.info("deleted the shipping data of %d publication(s) printed or cancelled %d days ago", purged,
                 RETENTION_DAYS)  # fmt: skip
    return purged


class Housekeeping:
    def __init__(self, store: Store, index: ChainIndex, *, interval: float = INTERVAL) -> None:
        self.store, self.index, self.interval = store, index, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                purge_shipping(self.store, self.index)
            except Exception:  # a pass that fails is retried at the next interval
                log.exception("housekeeping pass failed; next try in %.0f s", self.interval)
