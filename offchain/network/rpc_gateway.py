"""A node's HTTP JSON-RPC, served in front of its IPC socket: what a client of the chain may ask, and nothing that
signs with the node's key, votes, administers or traces.

Why: a sealing node's account must be unlocked (clique signs every block with it), and geth unlocks an account
with HTTP enabled only under `--allow-insecure-unlock` — which lets any local process send transactions as the
signer (`eth_sendTransaction`, `eth_sign`). So geth itself serves **IPC only** (owner-only socket, the operator's
channel: sealing, votes, peers) and this gateway serves the node's HTTP port with an allow-list:

- namespaces eth, net, web3, clique, txpool (the HTTP APIs of before);
- minus the methods that use the node's own accounts (eth_sendTransaction, eth_sign, eth_signTransaction,
  eth_signTypedData*, eth_accounts) and the clique votes (clique_propose, clique_discard), which go over IPC.

    python -m offchain.network.rpc_gateway --ipc DATADIR/geth.ipc --listen 127.0.0.1:30410

Started and stopped with its node by `offchain.network.manager`; a refused method answers JSON-RPC error -32601
(as geth does for a method it does not serve), a node that is not up yet answers -32000.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NAMESPACES = frozenset({"eth", "net", "web3", "clique", "txpool"})
REFUSED = frozenset(
    {
        "eth_sendTransaction", "eth_sign", "eth_signTransaction", "eth_signTypedData", "eth_signTypedData_v3",
        "eth_signTypedData_v4", "eth_accounts", "clique_propose", "clique_discard",
    }
)  # fmt: skip
MAX_BODY = 8 * 1024 * 1024
IPC_TIMEOUT = 30.0


def allowed(method: Any) -> bool:
    return isinstance(method, str) and method.split("_", 1)[0] in NAMESPACES and method not in REFUSED


def refusal(call: Any) -> dict[str, Any] | None:
    """The JSON-RPC error answering `call` when the gateway does not forward it; None when it does."""
    ident = call.get("id") if isinstance(call, dict) else None
    if not isinstance(call, dict) or not isinstance(call.get("method"), str):
        return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32600, "message": "invalid request"}}
    if not allowed(call["method"]):
        message = f"the method {call['method']} is not served over HTTP by this node (IPC only)"
        return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": message}}
    return None


def ipc_exchange(path: str, body: bytes, *, timeout: float = IPC_TIMEOUT) -> bytes:
    """Sends one JSON-RPC request (or batch) over the IPC socket and returns the node's answer as it wrote it
    (geth ends each answer with a newline)."""
    decoder = json.JSONDecoder()
    chunks: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(body)
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the node closed the connection before answering")
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                text = b"".join(chunks).decode()
                try:
                    decoder.raw_decode(text.strip())
                except json.JSONDecodeError:
                    continue
                return text.strip().encode()


def answer(path: str, body: bytes) -> bytes:
    """The gateway's answer to an HTTP request body: refused calls answered here, the rest forwarded over IPC."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        return _json({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
    calls = request if isinstance(request, list) else [request]
    if isinstance(request, list) and not request:
        return _json({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}})
    refused = [refusal(c) for c in calls]
    forward = [c for c, r in zip(calls, refused, strict=True) if r is None]
    forwarded: list[Any] = []
    if forward:
        try:
            reply = json.loads(ipc_exchange(path, json.dumps(forward).encode()))
        except (OSError, ValueError) as err:
            reply = [{"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": -32000, "message": f"node not "
                      f"reachable over IPC ({err})"}} for c in forward]  # fmt: skip
        forwarded = reply if isinstance(reply, list) else [reply]
    merged, rest = [], iter(forwarded)
    for refused_answer in refused:
        merged.append(refused_answer if refused_answer is not None else next(rest, None))
    return _json(merged if isinstance(request, list) else merged[0])


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


class _Handler(BaseHTTPRequestHandler):
    ipc_path = ""
    server_version = "imse-rpc-gateway"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, _json({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "too large"}}))
            return
        self._send(200, answer(self.ipc_path, self.rfile.read(length)))

    def do_GET(self) -> None:
        self._send(405, b'{"error": "JSON-RPC over POST only"}')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: geth's own log has the calls
        return


def serve(ipc_path: str, host: str, port: int) -> None:
    handler = type("Handler", (_Handler,), {"ipc_path": ipc_path})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offchain.network.rpc_gateway", description=__doc__.split("\n")[0])
    parser.add_argument("--ipc", required=True, help="the node's IPC socket")
    parser.add_argument("--listen", required=True, metavar="HOST:PORT", help="where to serve HTTP")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    serve(args.ipc, host, int(port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
