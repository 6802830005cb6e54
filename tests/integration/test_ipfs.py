"""The private IPFS swarm on real kubo: files cross nodes, outsiders stay out, everything on loopback."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time

import pytest

from offchain.exceptions import ContentNotFoundError, ContentTooLargeError, StorageError, SwarmError
from offchain.network import swarm
from offchain.storage.base import cat
from offchain.storage.kubo import KuboStorage
from tests.integration.conftest import LOOPBACK, ape_run, listening_addresses


@pytest.fixture
def client():
    """Opens KuboStorage clients (closed after the test)."""
    opened: list[KuboStorage] = []

    def open_client(url: str, timeout: float = 10) -> KuboStorage:
        opened.append(KuboStorage(url, timeout=timeout))
        return opened[-1]

    yield open_client
    for each in opened:
        each.close()


@pytest.fixture
def nodes(ipfs, client):
    return client(ipfs.nodes[0].api_url), client(ipfs.nodes[1].api_url)


def test_swarm__nodes_connected_to_each_other(ipfs, nodes):
    first, second = nodes
    assert first.peers() == [ipfs.nodes[1].peer_id]
    assert second.peers() == [ipfs.nodes[0].peer_id]


@pytest.mark.parametrize("size", [100, 3 * 1024 * 1024])  # one block; many chunks (CIDv1 dag-pb root)
def test_add_on_one_node__read_on_the_other(nodes, size):
    first, second = nodes
    data = secrets.token_bytes(size)

    cid = first.add(data)

    assert cid.startswith("baf")
    assert cat(second, cid) == data
    assert second.stat(cid).size == size


def test_pin__fetches_and_keeps_a_remote_object(nodes):
    first, second = nodes
    cid = first.add(secrets.token_bytes(1000), pin=False)
    second.pin(cid)
    assert second.stat(cid).size == 1000


def test_cat__over_the_limit__stops_reading(nodes):
    first, second = nodes
    cid = first.add(secrets.token_bytes(300_000))
    with pytest.raises(ContentTooLargeError, match="limit of 100,000"):
        cat(second, cid, max_bytes=100_000)


def test_cat__cid_nobody_has__not_found_after_the_timeout(ipfs, client):
    absent = client(ipfs.nodes[1].api_url).add(b"only here " + secrets.token_bytes(8), pin=False)
    reader = client(ipfs.nodes[0].api_url, timeout=2)
    # remove it from the only node that had it, then ask the other one
    subprocess.run(
        [swarm.ipfs_binary(), "--api", f"/ip4/127.0.0.1/tcp/{ipfs.nodes[1].api_port}", "block", "rm", absent],
        check=True,
        capture_output=True,
    )
    started = time.monotonic()
    with pytest.raises(ContentNotFoundError, match="not found in the swarm within 2 s"):
        cat(reader, absent)
    assert time.monotonic() - started < 10


def test_cat__malformed_cid__clear_error(nodes):
    with pytest.raises(ContentNotFoundError, match="not-a-cid"):
        cat(nodes[0], "not-a-cid")


def test_api_unreachable__storage_error(client):
    with pytest.raises(StorageError, match="is the swarm up"):
        client("http://127.0.0.1:9", timeout=1).peer_id()


def test_ports__loopback_only(ipfs):
    ports = {port for n in ipfs.nodes for port in (n.swarm_port, n.api_port, n.gateway_port)}
    found = listening_addresses(ports)
    assert set(found) == ports
    assert all(addresses == {LOOPBACK} for addresses in found.values()), found


def test_swarm_key__private_file(ipfs):
    for path in [ipfs.root / "swarm.key", *(ipfs.repo(n.name) / "swarm.key" for n in ipfs.nodes)]:
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_outsider_with_another_key__cannot_connect(ipfs, tmp_path, client):
    """A kubo node with a different swarm key (same config otherwise) never joins the swarm."""
    outsider = swarm.create_swarm(tmp_path / "outsider", nodes=2, base_port=31600)
    try:
        swarm.start_swarm(outsider, timeout=60)
        outside = client(outsider.nodes[0].api_url, timeout=5)
        with pytest.raises(StorageError):
            outside.connect(ipfs.nodes[0].multiaddr)
        assert ipfs.nodes[0].peer_id not in outside.peers()
        insider = client(ipfs.nodes[0].api_url, timeout=5)
        assert outsider.nodes[0].peer_id not in insider.peers()
        # and content of the real swarm is not reachable from outside
        cid = insider.add(b"consortium only " + secrets.token_bytes(8))
        with pytest.raises(ContentNotFoundError):
            cat(client(outsider.nodes[0].api_url, timeout=2), cid)
    finally:
        swarm.stop_swarm(outsider, timeout=10)


def test_node_without_a_swarm_key__refuses_to_start(ipfs, tmp_path):
    repo = tmp_path / "keyless"
    shutil.copytree(ipfs.repo(ipfs.nodes[0].name), repo, ignore=shutil.ignore_patterns("kubo.*", "repo.lock", "api"))
    (repo / "swarm.key").unlink()
    config = json.loads((repo / "config").read_text())
    config["Addresses"].update(
        Swarm=["/ip4/127.0.0.1/tcp/31650"], API="/ip4/127.0.0.1/tcp/31651", Gateway="/ip4/127.0.0.1/tcp/31652"
    )
    (repo / "config").write_text(json.dumps(config))
    done = subprocess.run(
        [swarm.ipfs_binary(), "daemon"],
        env={**os.environ, "IPFS_PATH": str(repo), **swarm.DAEMON_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "private network" in (done.stdout + done.stderr).lower()


def test_status_script__json(ipfs):
    status = json.loads(ape_run("ipfs", "status", "--dir", str(ipfs.root), "--json").stdout)
    assert [(n["name"], n["running"], n["peers"]) for n in status["nodes"]] == [("ipfs1", True, 1), ("ipfs2", True, 1)]


def test_up_again__no_op_and_still_connected(ipfs):
    done = ape_run("ipfs", "up", "--dir", str(ipfs.root))
    assert "every IPFS node was already running" in done.stdout + done.stderr


def test_create_swarm__refuses_to_overwrite(ipfs):
    with pytest.raises(SwarmError, match="already exists"):
        swarm.create_swarm(ipfs.root)
