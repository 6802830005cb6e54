"""The one event follower: the matcher bot uses it now, the web's indexer and the printer gateway next.

    follower = EventFollower(chain, {"OrderBook": ["OrderPlaced"], "MatchLedger": None}, Path("state.json"))
    follower.run(handle, stop)          # handle(span) -> the agent's state to keep with the checkpoint

What it guarantees an agent:
- **Only settled blocks.** A span ends `confirmations` blocks below the head (default: a majority of the clique
  signers, the depth after which a clique chain does not reorganise in practice).
- **Every event once per chain, none skipped.** The checkpoint (last processed block, its hash, the hashes of a few
  earlier checkpoints, the genesis hash, and the agent's own state) is replaced atomically only after the handler
  returned; a crash replays the last span, never loses one. A handler must therefore be idempotent — read the
  authoritative state from the contracts, use events only to know where to look.
- **Reorg-aware.** When the checkpointed block's hash changed, the follower walks back through the recorded
  earlier checkpoints to the newest one still on the chain and replays from there (`Span.rewound`).
- **One chain.** A checkpoint written on another chain (different genesis) is refused with a clear error.
- **No crash loop.** Node errors and handler errors back off (1 s doubling to 60 s) and are retried forever.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from web3.exceptions import Web3Exception

from offchain.chain.connection import Chain
from offchain.exceptions import ChainError, ImseError

log = logging.getLogger("imse.follower")

EVENT_CHUNK = 2000
"""Blocks per eth_getLogs request (geth serves far more, but a span this size keeps a handler's work bounded)."""

KEPT_HASHES = 16
"""Earlier checkpoints remembered for finding where a reorganised chain forked."""

MAX_BACKOFF = 60.0


@dataclass
class Cursor:
    """Where a follower is: the last fully processed block and its hash, on the chain of `genesis`."""

    genesis: str
    block: int
    hash: str = ""
    earlier: list[tuple[int, str]] = field(default_factory=list)  # (block, hash) of earlier checkpoints, oldest first


@dataclass(frozen=True)
class Event:
    """A decoded log of one of the platform's contracts."""

    contract: str
    name: str
    args: dict[str, Any]
    block: int
    log_index: int
    tx_hash: str


@dataclass(frozen=True)
class Span:
    """Settled blocks `first..last` and their subscribed events, in chain order."""

    first: int
    last: int
    last_hash: str
    events: list[Event]
    rewound: bool = False  # the span replays blocks after a reorganisation

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]


class CheckpointStore(Protocol):
    """Where a follower keeps its cursor and the agent's state (a JSON file by default; the web index keeps it in its
    own database, so index and checkpoint never disagree)."""

    def load(self, genesis: str, start_block: int) -> tuple[Cursor, dict[str, Any]]: ...

    def save(self, cursor: Cursor, state: Mapping[str, Any]) -> None: ...


class CheckpointFile:
    """A follower's checkpoint: its cursor plus the agent's own JSON state, one file replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, genesis: str, start_block: int) -> tuple[Cursor, dict[str, Any]]:
        """The saved cursor and state, or a fresh cursor just before `start_block`. ImseError when the file belongs
        to another chain (a different genesis) — using it would skip or replay the wrong blocks."""
        if not self.path.is_file():
            return Cursor(genesis, start_block - 1), {}
        try:
            data = json.loads(self.path.read_text())
            saved = str(data.get("genesis", ""))
            cursor = Cursor(
                genesis or saved,
                int(data["block"]),
                str(data.get("hash", "")),
                [(int(b), str(h)) for b, h in data.get("earlier", [])],
            )
            state = dict(data.get("state", {}))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise ImseError(
                f"checkpoint {self.path} is damaged ({err}): delete it to start again from the deployment block"
            ) from err
        if genesis and saved and saved != genesis:
            raise ImseError(
                f"checkpoint {self.path} belongs to another chain (genesis {saved[:12]}…, this one {genesis[:12]}…): "
                "delete it or pass another --state"
            )
        return cursor, state

    def save(self, cursor: Cursor, state: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "genesis": cursor.genesis,
            "block": cursor.block,
            "hash": cursor.hash,
            "earlier": [list(item) for item in cursor.earlier],
            "state": dict(state),
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, self.path)  # a crash leaves the old or the new checkpoint, never half of one


class EventFollower:
    def __init__(
        self,
        chain: Chain,
        subscriptions: Mapping[str, Sequence[str] | None],
        checkpoint: Path | CheckpointStore,
        *,
        confirmations: int | None = None,
        chunk: int = EVENT_CHUNK,
    ) -> None:
        """Follows the events named per contract in `subscriptions` (None: every event of that contract)."""
        self.chain = chain
        self.chunk = chunk
        self.confirmations = confirmations if confirmations is not None else chain.signer_count() // 2 + 1
        self._decoders: dict[str, tuple[str, Any]] = {}  # topic0 → (contract name, web3 event)
        self._addresses: list[str] = []
        for name, events in subscriptions.items():
            contract = chain.contract(name)
            self._addresses.append(str(contract.address))
            chosen = events if events is not None else [e.name for e in contract.events]
            for event_name in chosen:
                event = getattr(contract.events, event_name)
                self._decoders[str(event.topic)] = (name, event)
        self.file = CheckpointFile(checkpoint) if isinstance(checkpoint, Path) else checkpoint
        self.cursor, self.state = self.file.load(chain.genesis_hash(), chain.from_block)

    # ------------------------------------------------------------------------------------------ one step

    def poll(self) -> Span | None:
        """The next span of settled blocks after the cursor, or None when there is none yet."""
        head = self.chain.head()
        if self.cursor.block > head:
            log.warning("node at block %d is behind the checkpoint (%d): waiting for it", head, self.cursor.block)
            return None
        rewound = self._rewind_if_reorganised()
        safe = head - self.confirmations
        if safe <= self.cursor.block:
            return None
        first = self.cursor.block + 1
        last = min(safe, first + self.chunk - 1)
        return Span(first, last, self.chain.block_hash(last), self.events(first, last), rewound)

    def events(self, first: int, last: int) -> list[Event]:
        """Subscribed events of blocks first..last, in chain order (one eth_getLogs for every contract)."""
        try:
            raw = self.chain.w3.eth.get_logs(
                {
                    "fromBlock": first,
                    "toBlock": last,
                    "address": self._addresses,  # type: ignore[typeddict-item]
                    "topics": [list(self._decoders)],
                }
            )
        except (Web3Exception, OSError) as err:
            raise ChainError(f"logs of blocks {first}..{last}: {err}") from err
        events = []
        for entry in raw:
            decoder = self._decoders.get("0x" + bytes(entry["topics"][0]).hex())
            if decoder is None:
                continue
            contract, event = decoder
            decoded = event.process_log(entry)
            events.append(
                Event(
                    contract, str(decoded["event"]), dict(decoded["args"]), int(entry["blockNumber"]),
                    int(entry["logIndex"]), "0x" + bytes(entry["transactionHash"]).hex(),
                )
            )  # fmt: skip
        return sorted(events, key=lambda e: (e.block, e.log_index))

    def commit(self, span: Span, state: Mapping[str, Any]) -> None:
        """The span is done: advance the cursor past it and save it with the agent's `state`."""
        cursor = self.cursor
        if cursor.hash:
            cursor.earlier = [*cursor.earlier, (cursor.block, cursor.hash)][-KEPT_HASHES:]
        cursor.block, cursor.hash = span.last, span.last_hash
        self.state = dict(state)
        self.file.save(cursor, self.state)

    def _rewind_if_reorganised(self) -> bool:
        cursor = self.cursor
        if not cursor.hash or self.chain.block_hash(cursor.block) == cursor.hash:
            return False
        changed = cursor.block
        while cursor.earlier:
            block, expected = cursor.earlier.pop()
            if self.chain.block_hash(block) == expected:
                cursor.block, cursor.hash = block, expected
                break
        else:  # no remembered checkpoint survived: replay from well before the change
            cursor.block, cursor.hash = max(self.chain.from_block - 1, changed - 2 * self.confirmations - 1), ""
        log.warning("reorg: block %d changed; replaying from block %d", changed, cursor.block + 1)
        return True

    # ------------------------------------------------------------------------------------------ loop

    def run(
        self,
        handle: Callable[[Span], Mapping[str, Any]],
        stop: threading.Event | None = None,
        *,
        poll_seconds: float = 1.0,
        max_spans: int | None = None,
    ) -> None:
        """Polls until `stop` is set: each span goes to `handle`, whose returned state is committed with it. Any
        failure is logged and retried after a back-off; it never ends the loop."""
        stop = stop or threading.Event()
        delay, spans = poll_seconds, 0
        while not stop.is_set() and (max_spans is None or spans < max_spans):
            try:
                span = self.poll()
                if span is not None:
                    self.commit(span, handle(span))
                    spans += 1
                delay = poll_seconds
            except (ImseError, OSError, ValueError, Web3Exception) as err:
                log.warning("%s: %s; retrying in %.0f s", err.__class__.__name__, err, delay)
                stop.wait(delay)
                delay = min(MAX_BACKOFF, delay * 2)
                continue
            except Exception:  # a bug must not become a crash loop either: log it whole and back off
                log.exception("unexpected failure; retrying in %.0f s", delay)
                stop.wait(delay)
                delay = min(MAX_BACKOFF, delay * 2)
                continue
            if span is None or span.last >= self.chain.head() - self.confirmations:
                stop.wait(poll_seconds)  # caught up: wait for the next block (a backlog runs without pauses)
