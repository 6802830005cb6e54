"""The chain as a wallet needs it: its parameters (`/api/chain`, for `wallet_addEthereumChain`) and a same-origin
JSON-RPC proxy (`/rpc`) that forwards an allow-list of methods to the platform's node.

Why a proxy: MetaMask adds a chain only with an https RPC URL or http on localhost, and geth answers 403 to hosts it
does not know; the site's own origin is always right. What it forwards is what a wallet needs to read the chain,
estimate fees and send a transaction it signed itself; nothing that unlocks, signs, administers or traces.
"""

from __future__ import annotations

from typing import Any

import httpx
from flask import Blueprint, jsonify, url_for

from offchain.exceptions import BadRequestError, ChainError
from web.platform.context import platform
from web.platform.errors import json_of_request
from web.platform.limits import visitor
from web.platform.origin import external_url
from web.platform.transactions import is_tx_hash, outcome

bp = Blueprint("chain_api", __name__)

ALLOWED = frozenset(
    {
        "eth_chainId", "net_version", "eth_blockNumber", "eth_getBalance", "eth_getTransactionCount", "eth_getCode",
        "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_getBlockByNumber", "eth_getBlockByHash",
        "eth_call", "eth_estimateGas", "eth_sendRawTransaction", "eth_getTransactionReceipt",
        "eth_getTransactionByHash", "eth_getLogs",
    }
)  # fmt: skip
"""eth_getBlockByNumber/ByHash and eth_getCode: wallets read the base fee and check for contracts with them."""
MAX_BATCH = 20
MAX_LOG_BLOCKS = 10_000
"""Blocks one eth_getLogs through the proxy may span (a wallet asks for a few; the whole chain is the node's work)."""
MAX_CALL_GAS = 30_000_000
"""Gas one eth_call / eth_estimateGas through the proxy may burn (the block gas limit)."""
METHOD_NOT_ALLOWED = -32601


@bp.get("/api/chain")
def chain_parameters() -> Any:
    """The `wallet_addEthereumChain` parameters of this platform's chain, with this site's own RPC URL."""
    settings = platform().settings
    return jsonify(
        chainId=hex(platform().chain_id),
        chainName=settings.chain_name,
        nativeCurrency={"name": f"{settings.chain_name} coin", "symbol": settings.currency_symbol, "decimals": 18},
        rpcUrls=[external_url(settings, url_for("chain_api.rpc"))],
        blockExplorerUrls=[external_url(settings, url_for("ledger.home"))],
    )


@bp.get("/api/tx/<tx_hash>")
def transaction_state(tx_hash: str) -> Any:
    """pending / mined / failed (the reason decoded) / unknown — what a page asks after the wallet sent a call."""
    if not is_tx_hash(tx_hash):
        raise BadRequestError(f"not a transaction hash: {tx_hash[:80]!r}", field="hash")
    return jsonify(outcome(tx_hash))


@bp.post("/rpc")
def rpc() -> Any:
    """Forwards allowed calls to the node, each counted against the visitor's budget (a batch counts every call;
    on loopback, where visitors cannot be told apart, against one shared, larger budget)."""
    body = json_of_request()
    calls = body if isinstance(body, list) else [body]
    if isinstance(body, list) and not 1 <= len(body) <= MAX_BATCH:
        raise BadRequestError(f"a JSON-RPC batch holds 1-{MAX_BATCH} calls, got {len(body)}")
    if not isinstance(body, list | dict):
        raise BadRequestError("expected a JSON-RPC request object (or a batch), at most 256 KiB of JSON")
    who = visitor(platform().settings)
    limiter = platform().limiters.rpc if who is not None else platform().limiters.rpc_shared
    limiter.hit(who or "loopback", "RPC calls", cost=len(calls))
    answers = [_one(call) for call in calls]
    return jsonify(answers if isinstance(body, list) else answers[0])


def _one(call: Any) -> dict[str, Any]:
    if not isinstance(call, dict) or not isinstance(call.get("method"), str):
        return _error(None, -32600, "invalid request: an object with a method is expected")
    ident, method, params = call.get("id"), call["method"], call.get("params", [])
    if method not in ALLOWED:
        return _error(ident, METHOD_NOT_ALLOWED, f"method {method} is not offered by this site's RPC proxy")
    if not isinstance(params, list):
        return _error(ident, -32602, "params must be a list")
    if (problem := _bounded(method, params)) is not None:
        return _error(ident, -32602, problem)
    answer = platform().node_rpc.call(method, params)
    reply: dict[str, Any] = {"jsonrpc": "2.0", "id": ident}
    if "error" in answer:
        reply["error"] = answer["error"]
    else:
        reply["result"] = answer.get("result")
    return reply


def _bounded(method: str, params: list[Any]) -> str | None:
    """Why a call asks the node for too much (None when it does not): an eth_getLogs range over MAX_LOG_BLOCKS
    blocks, an eth_call / eth_estimateGas with more gas than MAX_CALL_GAS. A call without gas is given that cap, so
    the node's own (larger) cap never applies."""
    if method == "eth_getLogs":
        query = params[0] if params else {}
        if not isinstance(query, dict):
            return "eth_getLogs takes a filter object"
        if "blockHash" in query:
            return None
        head = platform().chain.head()
        first, last = _block(query.get("fromBlock"), head), _block(query.get("toBlock"), head)
        if first is None or last is None:
            return "fromBlock / toBlock must be block numbers (hex) or latest / earliest / pending / safe / finalized"
        if last - first + 1 > MAX_LOG_BLOCKS:
            return f"eth_getLogs over {last - first + 1:,} blocks: this proxy answers {MAX_LOG_BLOCKS:,} at most"
    if method in ("eth_call", "eth_estimateGas"):
        call = params[0] if params else None
        if not isinstance(call, dict):
            return f"{method} takes a call object"
        try:
            gas = int(str(call.get("gas", hex(MAX_CALL_GAS))), 16)
        except ValueError:
            return "gas must be a hex quantity"
        if gas > MAX_CALL_GAS:
            return f"gas {gas:,} is over this proxy's cap of {MAX_CALL_GAS:,} per call"
        call.setdefault("gas", hex(MAX_CALL_GAS))
    return None


def _block(tag: Any, head: int) -> int | None:
    if tag is None or tag in ("latest", "pending", "safe", "finalized"):
        return head
    if tag == "earliest":
        return 0
    try:
        return int(str(tag), 16)
    except ValueError:
        return None


class NodeRpc:
    """The node's JSON-RPC over HTTP, answers passed on as the node wrote them."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout)

    def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        try:
            answer = self._client.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
            answer.raise_for_status()
            body = answer.json()
        except (httpx.HTTPError, ValueError) as err:
            raise ChainError(f"the node at {self.url} did not answer {method}: {err}") from err
        if not isinstance(body, dict):
            raise ChainError(f"the node at {self.url} answered {method} with {body!r}")
        return body


def _error(ident: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}
