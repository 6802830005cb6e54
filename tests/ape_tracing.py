"""Two fixes of ape 0.8.51 for traced view calls, applied to the test session (`tests/conftest.py`).

With a tracing provider (anvil through ape-foundry), `ape test --gas` and `--coverage` trace every call, view calls
included, through `debug_traceCall`:

1. ape builds the call tree from the trace's struct logs, which carry no memory unless asked, so a successful
   call's return data comes out empty and decoding a struct return (`getOrder`, `getTwin`, …) raises
   `TypeError: 'NoneType' object is not iterable` inside the test. The node returns the data anyway
   (`returnValue`): the root of a successful call's tree gets it when it has none.
2. The traced branch of `send_call` returns the trace's return value without looking at `failed`, so a view that
   reverts (`getOrder(99)`) hands its revert data back as if it were the result and the caller's decoder fails
   (`DecodingError: Padding bytes were not empty`). While tracing, a call that may raise is first made as a plain
   `eth_call`, which raises the revert as ape does without tracing.

`tests/contracts/test_toolchain_anvil.py` runs `--gas` and `--coverage` on anvil and fails if these stop working.
"""

from __future__ import annotations

from typing import Any

from ape_ethereum.provider import Web3Provider
from ape_ethereum.trace import CallTrace
from hexbytes import HexBytes

_original = CallTrace.get_calltree
_send_call = Web3Provider.send_call


def _get_calltree(self: CallTrace) -> Any:
    tree = _original(self)
    if not tree.returndata and not tree.failed and (value := self.return_value):  # a revert's data stays out
        tree.returndata = HexBytes(value)
    return tree


def _traced_send_call(self: Web3Provider, txn: Any, block_id: Any = None, state: Any = None, **kwargs: Any) -> Any:
    runner = self._test_runner
    tracing = runner is not None and (runner.gas_tracker.enabled or runner.coverage_tracker.enabled)
    if tracing and not kwargs.get("skip_trace") and kwargs.get("raise_on_revert", txn.raise_on_revert):
        call = dict(kwargs)
        if block_id is not None:
            call["block_identifier"] = block_id
        if state is not None:
            call["state_override"] = state
        self._eth_call(self._prepare_call(txn, **call))  # raises the revert, if any, its trace attached as usual
    return _send_call(self, txn, block_id, state, **kwargs)


def install() -> None:
    """Idempotent."""
    CallTrace.get_calltree = _get_calltree  # type: ignore[method-assign]
    Web3Provider.send_call = _traced_send_call  # type: ignore[method-assign]
