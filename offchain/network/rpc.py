"""A minimal JSON-RPC client for geth's HTTP endpoint (standard library only; short timeouts)."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from offchain.exceptions import RpcError

_ids = itertools.count(1)


def call(url: str, method: str, *params: Any, timeout: float = 5.0) -> Any:
    """Calls `method` on the node at `url`; raises RpcError when the node is unreachable or answers an error."""
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as err:
        raise RpcError(url, method, f"unreachable ({err})") from err
    if "error" in answer:
        raise RpcError(url, method, str(answer["error"].get("message", answer["error"])))
    return answer.get("result")


def ipc_call(path: str, method: str, *params: Any, timeout: float = 10.0) -> Any:
    """Calls `method` over a node's IPC socket (all of geth's APIs, reachable only by the local owner): the operator
    channel for what is never exposed over HTTP, such as starting the sealer (`miner_start`)."""
    import socket

    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": list(params)}).encode()
    decoder = json.JSONDecoder()
    buffer = ""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(body)
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed before the answer")
                buffer += chunk.decode()
                try:
                    answer, _ = decoder.raw_decode(buffer.strip())
                    break
                except json.JSONDecodeError:
                    continue
    except OSError as err:
        raise RpcError(path, method, f"unreachable ({err})") from err
    if "error" in answer:
        raise RpcError(path, method, str(answer["error"].get("message", answer["error"])))
    return answer.get("result")
