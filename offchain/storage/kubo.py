"""A `Storage` backed by a kubo node's RPC API (plain HTTP POST), written on httpx.

Not `ipfshttpclient`: its last release (2021) refuses every kubo since 0.8. Only the calls the platform needs:
add (CIDv1), cat (streamed, size-limited), pin, stat, plus id / peers / connect for swarm management.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from offchain.exceptions import ContentNotFoundError, ContentTooLargeError, StorageError
from offchain.storage.base import DEFAULT_MAX_BYTES, ObjectStat

DEFAULT_API = "http://127.0.0.1:30510"


class KuboStorage:
    """Talks to one kubo node's RPC API at `api_url` (e.g. http://127.0.0.1:30510).

    `timeout` bounds every call; for reads it is also passed to kubo, so a CID nobody in the swarm has gives
    ContentNotFoundError after `timeout` seconds instead of a search that never ends.
    """

    def __init__(self, api_url: str = DEFAULT_API, *, timeout: float = 30.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.Client(base_url=self.api_url + "/api/v0", timeout=httpx.Timeout(timeout + 5.0))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> KuboStorage:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ Storage

    def add(self, data: bytes, *, pin: bool = True) -> str:
        params = {"cid-version": "1", "pin": str(pin).lower(), "quieter": "true"}
        reply = self._post("add", params, files={"file": ("blob", data, "application/octet-stream")})
        lines = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
        if not lines or "Hash" not in lines[-1]:
            raise StorageError(f"kubo at {self.api_url} returned no CID for add: {reply.text[:200]!r}")
        return str(lines[-1]["Hash"])

    def stream(self, cid: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[bytes]:
        params = {"arg": cid, "timeout": f"{self.timeout:g}s", "length": str(max_bytes + 1)}
        try:
            with self._client.stream("POST", "/cat", params=params) as reply:
                if reply.status_code != 200:
                    reply.read()
                    self._raise(reply, "cat", cid)
                received = 0
                for chunk in reply.iter_bytes():
                    received += len(chunk)
                    if received > max_bytes:
                        raise ContentTooLargeError(cid, max_bytes)
                    yield chunk
        except httpx.HTTPError as err:
            raise self._unreachable(err) from err

    def pin(self, cid: str) -> None:
        self._post("pin/add", {"arg": cid, "timeout": f"{self.timeout:g}s"}, cid=cid)

    def stat(self, cid: str) -> ObjectStat:
        reply = self._post("files/stat", {"arg": f"/ipfs/{cid}", "timeout": f"{self.timeout:g}s"}, cid=cid).json()
        return ObjectStat(cid, int(reply["Size"]))

    # ------------------------------------------------------------------------------------------ swarm

    def peer_id(self) -> str:
        return str(self._post("id", {}).json()["ID"])

    def peers(self) -> list[str]:
        """Peer ids this node is connected to."""
        return [str(p["Peer"]) for p in self._post("swarm/peers", {}).json().get("Peers") or []]

    def connect(self, address: str) -> None:
        """Dials a peer multiaddr (/ip4/…/tcp/…/p2p/ID)."""
        self._post("swarm/connect", {"arg": address})

    def disconnect(self, address: str) -> None:
        """Closes the connection to a peer multiaddr."""
        self._post("swarm/disconnect", {"arg": address})

    def version(self) -> str:
        return str(self._post("version", {}).json()["Version"])

    # ------------------------------------------------------------------------------------------ plumbing

    def _post(self, path: str, params: dict[str, str], *, cid: str | None = None, **kwargs: Any) -> httpx.Response:
        try:
            reply = self._client.post("/" + path, params=params, **kwargs)
        except httpx.HTTPError as err:
            raise self._unreachable(err) from err
        if reply.status_code != 200:
            self._raise(reply, path, cid)
        return reply

    def _unreachable(self, err: httpx.HTTPError) -> StorageError:
        return StorageError(
            f"kubo RPC at {self.api_url} is unreachable ({err.__class__.__name__}: {err}); "
            "is the swarm up? (`ape run ipfs status`)"
        )

    def _raise(self, reply: httpx.Response, what: str, cid: str | None) -> None:
        try:
            message = str(reply.json().get("Message", reply.text))
        except ValueError:
            message = reply.text.strip()[:300]
        if cid is not None and ("deadline exceeded" in message or "not found" in message):
            raise ContentNotFoundError(cid, f"not found in the swarm within {self.timeout:g} s")
        if cid is not None and ("invalid" in message.lower() or "cid" in message.lower()):
            raise ContentNotFoundError(cid, f"not a usable CID ({message})")
        raise StorageError(f"kubo {what} failed (HTTP {reply.status_code}): {message}")
