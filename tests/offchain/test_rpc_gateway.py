"""The node's RPC gateway without a node: what it forwards over IPC and what it answers itself (issue 19, point 18).
A fake IPC socket stands in for geth (the real one is in tests/integration/test_network.py)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from offchain.network.rpc_gateway import allowed, answer


@pytest.fixture
def fake_node(tmp_path):
    """A Unix socket answering each JSON-RPC call with its method name as the result, recording what arrived."""
    path = str(tmp_path / "geth.ipc")
    seen: list[str] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()

    def run() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                request = json.loads(conn.recv(1 << 16))
                calls = request if isinstance(request, list) else [request]
                seen.extend(c["method"] for c in calls)
                replies = [{"jsonrpc": "2.0", "id": c["id"], "result": c["method"]} for c in calls]
                conn.sendall(json.dumps(replies if isinstance(request, list) else replies[0]).encode() + b"\n")

    threading.Thread(target=run, daemon=True).start()
    yield path, seen
    server.close()


@pytest.mark.parametrize("method", ["eth_blockNumber", "eth_sendRawTransaction", "eth_call", "net_version",
                                    "web3_clientVersion", "clique_getSigners", "txpool_status"])  # fmt: skip
def test_allowed__what_a_chain_client_reads_and_sends(method):
    assert allowed(method)


@pytest.mark.parametrize("method", ["eth_sendTransaction", "eth_sign", "eth_signTransaction", "eth_signTypedData_v4",
                                    "eth_accounts", "personal_unlockAccount", "admin_addPeer", "miner_start",
                                    "debug_traceTransaction", "clique_propose", "clique_discard", "engine_newPayload",
                                    "", 5])  # fmt: skip
def test_allowed__nothing_that_signs_votes_or_administers(method):
    assert not allowed(method)


def test_answer__batch__refused_calls_never_reach_the_node_and_order_is_kept(fake_node):
    path, seen = fake_node
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
             {"jsonrpc": "2.0", "id": 2, "method": "eth_sendTransaction", "params": [{}]},
             {"jsonrpc": "2.0", "id": 3, "method": "eth_chainId", "params": []}]  # fmt: skip

    replies = json.loads(answer(path, json.dumps(batch).encode()))

    assert [r["id"] for r in replies] == [1, 2, 3]
    assert replies[0]["result"] == "eth_blockNumber"
    assert replies[1]["error"]["code"] == -32601
    assert "not served over HTTP by this node" in replies[1]["error"]["message"]
    assert replies[2]["result"] == "eth_chainId"
    assert seen == ["eth_blockNumber", "eth_chainId"]


def test_answer__single_call_forwarded(fake_node):
    path, _seen = fake_node

    reply = json.loads(answer(path, b'{"jsonrpc": "2.0", "id": 9, "method": "eth_gasPrice", "params": []}'))

    assert reply == {"jsonrpc": "2.0", "id": 9, "result": "eth_gasPrice"}


@pytest.mark.parametrize(("body", "code"), [(b"{", -32700), (b"[]", -32600), (b"[" * 50_000, -32700), (b"7", -32600)])
def test_answer__malformed_bodies__json_rpc_errors(tmp_path, body, code):
    reply = json.loads(answer(str(tmp_path / "none.ipc"), body))

    assert reply["error"]["code"] == code


def test_answer__node_not_up__error_not_a_crash(tmp_path: Path):
    reply = json.loads(answer(str(tmp_path / "missing.ipc"), b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}'))

    assert reply["error"]["code"] == -32000
    assert "not reachable over IPC" in reply["error"]["message"]
