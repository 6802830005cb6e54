"""What one account may make the server do with designs: how big a design may be, how many it keeps, how often it
asks for a quote — and how many parses and slicer runs run at once for everyone.

- A web upload may hold at most `WEB_MAX_TRIANGLES` triangles (refused from the header, or while counting an ASCII
  file's facets, before any mesh is built: a 49 MB binary STL used to take ~1 GB to parse).
- At most `HEAVY_AT_ONCE` parses or slicer runs at once (the machine's cores); a request waits up to
  `HEAVY_WAIT` seconds for its turn, then is refused with 429 and when to retry.
- Each account keeps at most `MAX_DESIGNS` designs and `MAX_DESIGN_MB` of them; designs not in a cart are removed
  after `RETENTION_DAYS` (a published design is on IPFS with its CID on chain; the server's copy is only for the
  cart, the quote and the preview), or by the customer (Remove).
- Quotes (and cart lines, which are quoted) at most 30 per 10 minutes per account (`Limiters.quotes`),
  with their settings on a grid (layer 0.05 mm, infill 5 %, nozzle 5 °C) so repeated asks hit the slicer's cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from offchain.exceptions import RateLimitedError

WEB_MAX_TRIANGLES = 500_000
HEAVY_AT_ONCE = 2
HEAVY_WAIT = 20.0
MAX_DESIGNS = 50
MAX_DESIGN_MB = 250
RETENTION_DAYS = 30
LAYER_STEP, INFILL_STEP, NOZZLE_STEP = 0.05, 5, 5

_heavy = threading.BoundedSemaphore(HEAVY_AT_ONCE)


@contextmanager
def heavy(what: str) -> Iterator[None]:
    """One of the few slots for parsing an STL or running the slicer; RateLimitedError after HEAVY_WAIT s."""
    if not _heavy.acquire(timeout=HEAVY_WAIT):
        raise RateLimitedError(
            f"the server is busy {what} other designs: try again in a moment", details={"retry_after": 10}
        )
    try:
        yield
    finally:
        _heavy.release()


def on_grid(value: float, step: float) -> float:
    """`value` rounded to the nearest multiple of `step` (at least one step)."""
    return max(step, round(round(value / step) * step, 4))


def retention_cutoff(now: float | None = None) -> float:
    return (time.time() if now is None else now) - RETENTION_DAYS * 86400
