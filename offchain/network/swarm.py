"""A private IPFS swarm of kubo nodes on this machine: create, start, stop, inspect.

    <root>/swarm.json             this description (nodes, ports, peer ids)
    <root>/swarm.key              the pre-shared swarm key (mode 600), copied into every node's repo
    <root>/nodes/<name>/          the node's IPFS_PATH (config, datastore, swarm.key)
    <root>/nodes/<name>/kubo.log  daemon output; kubo.pid its pid

Private means: every node holds the swarm key and runs with LIBP2P_FORCE_PNET=1 (it refuses to start without a
key), the default bootstrap list is replaced by our own nodes, AutoConf, mDNS, public DNS resolvers, AutoTLS,
relays and telemetry are off, and swarm, API and gateway listen on 127.0.0.1 only. Node i uses ports base+i
(swarm, TCP), base+10+i (RPC API) and base+20+i (gateway); the default base is 30500.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from offchain import process
from offchain.exceptions import StorageError, SwarmError
from offchain.storage.kubo import KuboStorage

DEFAULT_BASE_PORT = 30500
DEFAULT_NODES = 2
HOST = "127.0.0.1"
SWARM_KEY_HEADER = "/key/swarm/psk/1.0.0/\n/base16/\n"
DAEMON_ENV = {"LIBP2P_FORCE_PNET": "1", "IPFS_TELEMETRY": "off", "LIBP2P_TCP_MUX": "false"}


@dataclass(frozen=True)
class IpfsNode:
    name: str
    index: int
    peer_id: str
    swarm_port: int
    api_port: int
    gateway_port: int

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{HOST}:{self.gateway_port}"

    @property
    def multiaddr(self) -> str:
        return f"/ip4/{HOST}/tcp/{self.swarm_port}/p2p/{self.peer_id}"


@dataclass(frozen=True)
class SwarmConfig:
    root: Path
    base_port: int
    nodes: tuple[IpfsNode, ...]

    def repo(self, name: str) -> Path:
        return self.root / "nodes" / name

    def log_file(self, name: str) -> Path:
        return self.repo(name) / "kubo.log"

    def pid_file(self, name: str) -> Path:
        return self.repo(name) / "kubo.pid"

    def node(self, name: str) -> IpfsNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise SwarmError(f"no IPFS node {name!r}; nodes: {', '.join(n.name for n in self.nodes)}")

    def save(self) -> None:
        data = {"base_port": self.base_port, "nodes": [asdict(n) for n in self.nodes]}
        (self.root / "swarm.json").write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, root: Path) -> SwarmConfig:
        path = root / "swarm.json"
        if not path.is_file():
            raise SwarmError(f"no IPFS swarm in {root}: create one with `ape run ipfs up`")
        try:
            data = json.loads(path.read_text())
            return cls(root, int(data["base_port"]), tuple(IpfsNode(**n) for n in data["nodes"]))
        except (ValueError, KeyError, TypeError) as err:
            raise SwarmError(f"{path} is not a swarm description: {err}") from err


def ipfs_binary() -> str:
    """The project's kubo (IMSE_TOOLS_BIN, set by the installer), else one on PATH."""
    tools = os.environ.get("IMSE_TOOLS_BIN")
    if tools and (Path(tools) / "ipfs").is_file():
        return str(Path(tools) / "ipfs")
    if found := shutil.which("ipfs"):
        return found
    raise SwarmError("kubo (ipfs) not found: run `make install` (it builds kubo into .tools/bin)")


def new_swarm_key() -> str:
    """A fresh 256-bit pre-shared key in kubo's swarm.key format."""
    return SWARM_KEY_HEADER + secrets.token_hex(32) + "\n"


def node_ports(base_port: int, index: int) -> tuple[int, int, int]:
    """(swarm, api, gateway) ports of node `index`."""
    return base_port + index, base_port + 10 + index, base_port + 20 + index


def _run_ipfs(repo: Path, *args: str, timeout: float = 60.0) -> str:
    done = subprocess.run(
        [ipfs_binary(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "IPFS_PATH": str(repo), **DAEMON_ENV},
    )
    if done.returncode != 0:
        raise SwarmError(f"ipfs {' '.join(args)} failed in {repo}: {(done.stderr or done.stdout).strip()[-500:]}")
    return done.stdout


def private_config(config: dict[str, Any], node: IpfsNode, peers: list[IpfsNode]) -> dict[str, Any]:
    """A kubo config (as `ipfs init` wrote it) turned into a private, loopback-only node that bootstraps from
    `peers` only. Pure, so it is unit-tested."""
    config = json.loads(json.dumps(config))
    config["Addresses"].update(
        {
            "Swarm": [f"/ip4/{HOST}/tcp/{node.swarm_port}"],
            "API": f"/ip4/{HOST}/tcp/{node.api_port}",
            "Gateway": f"/ip4/{HOST}/tcp/{node.gateway_port}",
            "Announce": [],
            "AppendAnnounce": [],
        }
    )
    config["Bootstrap"] = [peer.multiaddr for peer in peers if peer.index < node.index]
    config["AutoConf"] = {"Enabled": False}
    config["AutoTLS"] = {"Enabled": False}
    config.setdefault("Discovery", {})["MDNS"] = {"Enabled": False}
    config["DNS"] = {"Resolvers": {}}
    routing = config.setdefault("Routing", {})
    routing.update({"Type": "dht", "DelegatedRouters": []})
    config.setdefault("Ipns", {})["DelegatedPublishers"] = []
    swarm = config.setdefault("Swarm", {})
    swarm["RelayClient"] = {"Enabled": False}
    swarm["RelayService"] = {"Enabled": False}
    swarm["Transports"] = {"Network": {"Websocket": False, "QUIC": False, "WebTransport": False, "WebRTCDirect": False}}
    plugins = config.get("Plugins") or {}
    plugins["Plugins"] = {**(plugins.get("Plugins") or {}), "telemetry": {"Config": {"Mode": "off"}}}
    config["Plugins"] = plugins
    return config


def create_swarm(
    root: Path,
    *,
    nodes: int = DEFAULT_NODES,
    base_port: int = DEFAULT_BASE_PORT,
    force: bool = False,
    progress: process.Progress = process.quiet,
) -> SwarmConfig:
    """Creates the swarm key and `nodes` kubo repos under `root`, configured as one private swarm."""
    if nodes < 2 or nodes > 10:
        raise SwarmError(f"a swarm needs 2..10 nodes; got {nodes}")
    if (root / "swarm.json").exists():
        if not force:
            raise SwarmError(f"an IPFS swarm already exists in {root} (pass --force to replace it; its files are lost)")
        existing = SwarmConfig.load(root)
        if running := [n.name for n in existing.nodes if pid_of(existing, n.name)]:
            raise SwarmError(f"stop the running IPFS nodes first ({', '.join(running)}): `ape run ipfs down`")
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    key = root / "swarm.key"
    key.touch(mode=0o600)
    key.write_text(new_swarm_key())
    created: list[IpfsNode] = []
    for index in range(nodes):
        name = f"ipfs{index + 1}"
        repo = root / "nodes" / name
        progress(f"initialising IPFS node {name}")
        repo.parent.mkdir(parents=True, exist_ok=True)
        _run_ipfs(repo, "init", "--empty-repo")
        peer_id = json.loads((repo / "config").read_text())["Identity"]["PeerID"]
        created.append(IpfsNode(name, index, peer_id, *node_ports(base_port, index)))
    for node in created:
        repo = root / "nodes" / node.name
        config_path = repo / "config"
        config_path.write_text(json.dumps(private_config(json.loads(config_path.read_text()), node, created), indent=2))
        shutil.copyfile(key, repo / "swarm.key")
        (repo / "swarm.key").chmod(0o600)
    config = SwarmConfig(root, base_port, tuple(created))
    config.save()
    return config


def pid_of(config: SwarmConfig, name: str) -> int | None:
    return process.running_pid(config.pid_file(name), str(config.repo(name)))


def start_swarm(config: SwarmConfig, *, timeout: float = 60.0, progress: process.Progress = process.quiet) -> list[str]:
    """Starts the nodes that are not running; waits until each answers its API and is connected to every other
    node. Returns the names started."""
    started = {}
    for node in config.nodes:
        if pid_of(config, node.name):
            continue
        progress(f"starting IPFS node {node.name}: swarm {node.swarm_port}, API {node.api_url}")
        command = [ipfs_binary(), "daemon", "--repo-dir", str(config.repo(node.name)), "--migrate=false"]
        started[node.name] = process.spawn(
            command,
            log=config.log_file(node.name),
            pid_file=config.pid_file(node.name),
            env={"IPFS_PATH": str(config.repo(node.name)), **DAEMON_ENV},
        )
    deadline = time.monotonic() + timeout
    for name, child in started.items():
        _wait_api(config, config.node(name), child, deadline)
    wait_for_swarm(config, deadline=deadline, progress=progress)
    return list(started)


def _wait_api(config: SwarmConfig, node: IpfsNode, child: subprocess.Popen[bytes], deadline: float) -> None:
    with KuboStorage(node.api_url, timeout=2) as client:
        while True:
            if child.poll() is not None:
                config.pid_file(node.name).unlink(missing_ok=True)
                raise SwarmError(
                    f"IPFS node {node.name} exited with status {child.returncode}:\n"
                    + process.log_tail(config.log_file(node.name))
                )
            try:
                client.peer_id()
                return
            except StorageError:
                if time.monotonic() > deadline:
                    raise SwarmError(
                        f"IPFS node {node.name}: API did not come up\n" + process.log_tail(config.log_file(node.name))
                    ) from None
                time.sleep(0.3)


def wait_for_swarm(config: SwarmConfig, *, deadline: float, progress: process.Progress = process.quiet) -> None:
    """Waits until every running node is connected to every other one and blocks really move between them.

    Of each pair the later node dials. Being connected is not enough: a connection made while a daemon is still
    starting (its bootstrap dial) can be missed by its Bitswap, which then never asks that peer for blocks. So
    every pair is probed with a fresh object each way, and a pair that fails is disconnected and dialled again.
    """
    running = [n for n in config.nodes if pid_of(config, n.name)]
    progress(f"connecting {len(running)} IPFS node(s) into one private swarm")
    pairs = [(a, b) for a in running for b in running if a.index < b.index]
    while True:
        broken = [(a, b) for a, b in pairs if not _exchanges_blocks(a, b)]
        if not broken:
            return
        if time.monotonic() > deadline:
            a, b = broken[0]
            raise SwarmError(f"IPFS nodes {a.name} and {b.name} do not exchange blocks (see their kubo.log)")
        for a, b in broken:
            with KuboStorage(b.api_url, timeout=5) as client, contextlib.suppress(StorageError):
                if a.peer_id in client.peers():
                    client.disconnect(a.multiaddr)
                client.connect(a.multiaddr)
        time.sleep(0.5)


def _exchanges_blocks(a: IpfsNode, b: IpfsNode, timeout: float = 3.0) -> bool:
    """Whether a fresh object added on each node can be read on the other."""
    for source, reader in ((a, b), (b, a)):
        with KuboStorage(source.api_url, timeout=timeout) as put, KuboStorage(reader.api_url, timeout=timeout) as get:
            try:
                cid = put.add(b"imse swarm probe " + secrets.token_bytes(16), pin=False)
                get.stat(cid)
            except StorageError:
                return False
    return True


def stop_swarm(config: SwarmConfig, *, timeout: float = 20.0, progress: process.Progress = process.quiet) -> list[str]:
    """Stops every running node gracefully. Returns the names stopped."""
    return [
        node.name
        for node in config.nodes
        if process.stop(
            config.pid_file(node.name),
            str(config.repo(node.name)),
            timeout=timeout,
            name=f"IPFS node {node.name}",
            progress=progress,
        )
    ]


@dataclass(frozen=True)
class IpfsNodeStatus:
    name: str
    running: bool
    peer_id: str
    peers: int | None
    api_url: str
    gateway_url: str
    version: str | None


def swarm_status(config: SwarmConfig) -> list[IpfsNodeStatus]:
    rows = []
    for node in config.nodes:
        peers = version = None
        running = pid_of(config, node.name) is not None
        if running:
            with KuboStorage(node.api_url, timeout=3) as client, contextlib.suppress(StorageError):
                peers, version = len(client.peers()), client.version()
        rows.append(IpfsNodeStatus(node.name, running, node.peer_id, peers, node.api_url, node.gateway_url, version))
    return rows
