"""Ape's log lines go to stderr, so a script's stdout carries only its result (JSON, tables).

ape 0.8 means to send warnings and errors to stderr, but its handler looks its table up by level *name* while the
table is keyed by level enum, so every line ends up on stdout ("INFO: Connecting to existing Geth node …" before a
script's JSON). `logs_to_stderr()` sends all of them to stderr.
"""

from __future__ import annotations

import ape.logging


def logs_to_stderr() -> None:
    for handler in ape.logging.logger._logger.handlers:
        if isinstance(handler, ape.logging.ClickHandler):
            handler.echo_kwargs = {level: {"err": True} for level in ("error", "warning", "success", "info", "debug")}
