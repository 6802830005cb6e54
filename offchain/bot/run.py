"""`run_matcher`: the one way the matcher bot is started, behind both `imse matcher run` and `ape run matcher run`."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

from offchain.bot.matcher import MatcherBot
from offchain.chain.connection import Chain
from offchain.printing.slicer import Slicer
from offchain.services.rules import load_rule
from offchain.settings import data_dir
from offchain.storage.base import Storage


def run_matcher(
    chain: Chain,
    storage: Storage,
    private_key: str,
    *,
    rule_id: int,
    rule_version: int | None = None,
    state: Path | None = None,
    cache_dir: Path | None = None,
    confirmations: int | None = None,
    mode: str = "rule",
    poll_seconds: float = 1.0,
) -> None:
    """Loads the rule (checked against its digest on chain), then runs the bot until SIGTERM / Ctrl-C; logs to
    stderr. The checkpoint defaults to data/matcher/checkpoint.json, the slicer cache to data/slicer/."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per IPFS request would drown the bot's own
    chain.check_wiring()
    rule = load_rule(chain, storage, rule_id, rule_version)
    bot = MatcherBot(
        chain,
        storage,
        Slicer((cache_dir or data_dir() / "slicer").resolve()),
        private_key,
        rule,
        state or data_dir() / "matcher" / "checkpoint.json",
        confirmations=confirmations,
        mode=mode,
        poll_seconds=poll_seconds,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    bot.run(stop)
