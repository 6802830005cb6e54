"""Creating, starting, stopping and inspecting the clique network's geth processes.

Scripts (`ape run genesis`, `ape run network …`) and the integration tests go through these functions; they never
talk to geth processes any other way. Every process started is recorded in a pid file, and only processes whose
command line names their own data dir are ever signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from offchain import process
from offchain.exceptions import NetworkError, NetworkExistsError, NodeStartError, RpcError
from offchain.network import rpc
from offchain.network.genesis import DEFAULT_BALANCE_WEI, GenesisSpec, build_genesis
from offchain.network.keys import create_account, create_nodekey
from offchain.network.layout import DEFAULT_SIGNERS, HOST, NODE_NAMES, NetworkConfig, NodeSpec, node_ports

Progress = process.Progress
_quiet = process.quiet
# geth serves IPC only (its account is unlocked for sealing); the node's HTTP port is served by its RPC gateway
# (offchain.network.rpc_gateway): eth, net, web3, clique, txpool — nothing that signs with the node's key or votes.


def geth_binary() -> str:
    """The project's geth (IMSE_TOOLS_BIN, set by the installer), else one on PATH."""
    tools = os.environ.get("IMSE_TOOLS_BIN")
    candidate = Path(tools) / "geth" if tools else None
    if candidate and candidate.is_file():
        return str(candidate)
    found = shutil.which("geth")
    if not found:
        raise NetworkError("geth not found: run `make install` (it builds geth 1.13.15 into .tools/bin)")
    return found


# ---------------------------------------------------------------------------------------------- create


def create_network(
    root: Path,
    *,
    chain_id: int,
    period: int,
    epoch: int,
    gas_limit: int,
    base_port: int,
    signers: Iterable[str] = DEFAULT_SIGNERS,
    funded: Iterable[str] = (),
    force: bool = False,
    progress: Progress = _quiet,
) -> NetworkConfig:
    """Creates keys, genesis and initialised data dirs for the four nodes under `root`.

    Refuses when a network is already there, unless `force` (which first requires its nodes to be stopped).
    `funded` accounts (dev / test accounts for scripts) are pre-funded beside the node accounts.
    """
    signer_names = tuple(signers)
    unknown = set(signer_names) - set(NODE_NAMES)
    if unknown or not signer_names:
        raise NetworkError(f"signers must be a non-empty subset of {', '.join(NODE_NAMES)}; got {signer_names}")
    if (root / "network.json").exists():
        if not force:
            raise NetworkExistsError(root)
        existing = NetworkConfig.load(root)
        if running := [n.name for n in existing.nodes if pid_of(existing, n.name)]:
            raise NetworkError(f"stop the running nodes first ({', '.join(running)}): `ape run network down`")
        shutil.rmtree(root)

    geth = geth_binary()
    root.mkdir(parents=True, exist_ok=True)
    nodes = []
    for index, name in enumerate(NODE_NAMES):
        p2p, http, authrpc = node_ports(base_port, index)
        data_dir = root / "nodes" / name
        progress(f"creating keys of node {name}")
        account = create_account(data_dir / "keystore", root / "keys" / f"{name}.password")
        enode = create_nodekey(data_dir, p2p)
        nodes.append(NodeSpec(name, index, account, name in signer_names, p2p, http, authrpc, enode))

    funded_accounts = tuple(dict.fromkeys(funded))
    config = NetworkConfig(root, chain_id, period, epoch, gas_limit, base_port, tuple(nodes), funded_accounts)
    spec = GenesisSpec(
        signers=tuple(n.account for n in nodes if n.genesis_signer),
        chain_id=chain_id,
        period=period,
        epoch=epoch,
        gas_limit=gas_limit,
        alloc={address: DEFAULT_BALANCE_WEI for address in [n.account for n in nodes] + list(funded_accounts)},
    )
    config.genesis_path.write_text(json.dumps(build_genesis(spec), indent=2) + "\n")
    for node in nodes:
        progress(f"initialising node {node.name} from the genesis")
        _write_node_config(config, node)
        done = subprocess.run(
            [geth, "init", "--datadir", str(config.data_dir(node.name)), str(config.genesis_path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise NodeStartError(node.name, "geth init failed", done.stderr[-2000:])
    config.save()
    return config


def _write_node_config(config: NetworkConfig, node: NodeSpec) -> None:
    peers = ", ".join(f'"{other.enode}"' for other in config.nodes if other.name != node.name)
    # ListenAddr in the file, not --port: geth turns --port into ":port", which listens on every interface.
    (config.data_dir(node.name) / "config.toml").write_text(
        f'[Node.P2P]\nListenAddr = "{HOST}:{node.p2p_port}"\nStaticNodes = [{peers}]\n'
    )


# ---------------------------------------------------------------------------------------------- processes


def pid_of(config: NetworkConfig, node: str) -> int | None:
    """The pid of the node's geth if it is running (checked against its command line), else None."""
    return process.running_pid(config.pid_file(node), str(config.data_dir(node)))


def current_signers(config: NetworkConfig) -> set[str]:
    """The signer set (lower-case addresses): asked of a running node, else the last one recorded, else genesis."""
    for node in running_nodes(config):
        try:
            signers = {s.lower() for s in rpc.call(node.rpc_url, "clique_getSigners")}
        except RpcError:
            continue
        _signers_file(config).write_text(json.dumps(sorted(signers)) + "\n")
        return signers
    if _signers_file(config).is_file():
        return set(json.loads(_signers_file(config).read_text()))
    return {n.account.lower() for n in config.nodes if n.genesis_signer}


def _signers_file(config: NetworkConfig) -> Path:
    return config.root / "signers.json"


def geth_command(config: NetworkConfig, node: NodeSpec) -> list[str]:
    """The full command line of a node's geth.

    No node starts sealing by itself: signers that all started at once would each seal their own block 1 before
    peering and deadlock ("signed recently"). `start_nodes` starts the sealer over IPC once the node is peered and
    in sync.
    """
    return [
        geth_binary(),
        "--datadir", str(config.data_dir(node.name)),
        "--config", str(config.data_dir(node.name) / "config.toml"),
        "--networkid", str(config.chain_id),
        "--syncmode", "full",
        "--nat", "none",
        "--nodiscover",
        "--netrestrict", "127.0.0.0/8",
        "--ipcpath", ipc_path(config, node.name),  # no --http: the RPC gateway serves the node's HTTP port
        "--authrpc.addr", HOST, "--authrpc.port", str(node.authrpc_port),
        "--miner.etherbase", node.account, "--miner.gaslimit", str(config.gas_limit),
        # Rebuild the block being sealed every 100 ms (our geth build's floor; stock geth's is 1 s), so a
        # transaction that arrives shortly before the seal still makes the block.
        "--miner.recommit", "100ms",
        # unlocked for clique sealing; with no HTTP on geth itself, no --allow-insecure-unlock is needed (or given)
        "--unlock", node.account, "--password", str(config.password_file(node.name)),
        "--txpool.globalslots", "20000", "--txpool.accountslots", "512", "--txpool.globalqueue", "5000",
        "--rpc.txfeecap", "0",
        "--verbosity", "3",
    ]  # fmt: skip


def gateway_command(config: NetworkConfig, node: NodeSpec) -> list[str]:
    """The command line of a node's RPC gateway (its HTTP port, in front of geth's IPC socket)."""
    return [sys.executable, "-m", "offchain.network.rpc_gateway", "--ipc", ipc_path(config, node.name),
            "--listen", f"{HOST}:{node.http_port}"]  # fmt: skip


def _gateway_pid_file(config: NetworkConfig, node: str) -> Path:
    return config.data_dir(node) / "rpc-gateway.pid"


def _start_gateway(config: NetworkConfig, node: NodeSpec) -> None:
    if process.running_pid(_gateway_pid_file(config, node.name), ipc_path(config, node.name)) is None:
        process.spawn(gateway_command(config, node), log=config.data_dir(node.name) / "rpc-gateway.log",
                      pid_file=_gateway_pid_file(config, node.name))  # fmt: skip


def _stop_gateway(config: NetworkConfig, node: str, *, kill: bool = False) -> None:
    pid_file, marker = _gateway_pid_file(config, node), ipc_path(config, node)
    if kill:
        process.kill(pid_file, marker)
    else:
        process.stop(pid_file, marker, timeout=5, name=f"RPC gateway of {node}")


def start_nodes(
    config: NetworkConfig, names: Iterable[str] | None = None, *, timeout: float = 90.0, progress: Progress = _quiet
) -> list[str]:
    """Starts the named nodes (all by default) that are not running; waits until each answers RPC and has its
    peers among the running nodes. Returns the names started."""
    started: dict[str, subprocess.Popen[bytes]] = {}
    signers = current_signers(config)
    for node in config.select(list(names or [])):
        if pid_of(config, node.name):
            continue
        seal = node.account.lower() in signers
        progress(f"starting node {node.name}{' (signer)' if seal else ''}: p2p {node.p2p_port}, rpc {node.rpc_url}")
        _write_node_config(config, node)  # rewritten on every start, so older networks get today's settings
        started[node.name] = process.spawn(
            geth_command(config, node), log=config.log_file(node.name), pid_file=config.pid_file(node.name)
        )
        _start_gateway(config, node)
    deadline = time.monotonic() + timeout
    for name, child in started.items():
        _wait_rpc(config, config.node(name), child, deadline)
    wait_for_peers(config, deadline=deadline, progress=progress)
    sealers = [name for name in started if config.node(name).account.lower() in signers]
    if sealers and len(started) < len(running_nodes(config)):
        # Joining a running chain: catch up first, or the new sealer would fork off an old head.
        # Exactly at the others' head (slack 0): a sealer one block behind seals a rival block at that height,
        # and clique's "signed recently" rule can then deadlock the fork.
        wait_for_sync(config, timeout=max(5.0, deadline - time.monotonic()), slack=0)
    for name in sealers:
        _wait_unlocked(config, config.node(name), deadline)
    for name in _in_turn_last(config, sealers, signers):
        progress(f"starting the sealer of node {name}")
        set_sealing(config, name, True)
    return list(started)


def _in_turn_last(config: NetworkConfig, sealers: list[str], signers: set[str]) -> list[str]:
    """The sealers in start order, the one in turn for the next block last.

    A node imports propagated blocks only once its own sealer runs (or a sync cycle ends); before that it discards
    them ("Syncing, discarded propagated block"). Started first, the in-turn signer seals at once, the others drop
    its block and each seal their own at the same height, and clique's "signed recently" rule can stall every fork
    (seen in CI: head 1 for 30 s). Out-of-turn signers wait a random wiggle first, and if one of their blocks is
    dropped, the in-turn block that follows outweighs it (difficulty 2 against 1) on every node."""
    heads = [int(rpc.call(n.rpc_url, "eth_blockNumber"), 16) for n in running_nodes(config)]
    ordered = sorted(signers)  # clique's turn order: signer addresses ascending
    in_turn = ordered[(max(heads, default=0) + 1) % len(ordered)] if ordered else ""
    return sorted(sealers, key=lambda name: config.node(name).account.lower() == in_turn)


def _wait_unlocked(config: NetworkConfig, node: NodeSpec, deadline: float) -> None:
    """Waits until geth has unlocked the node's account (it decrypts the keystore after its RPC is up); a sealer
    started before that fails with "authentication needed"."""
    while True:
        try:
            rpc.ipc_call(ipc_path(config, node.name), "eth_sign", node.account, "0x00")
            return
        except RpcError:
            if time.monotonic() > deadline:
                raise NodeStartError(node.name, "account not unlocked in time", _log_tail(config, node.name)) from None
            time.sleep(0.2)


def ipc_path(config: NetworkConfig, node: str) -> str:
    return str(config.data_dir(node) / "geth.ipc")


def set_sealing(config: NetworkConfig, node: str, on: bool) -> None:
    """Starts or stops a node's sealer (over IPC: the miner API is never exposed over HTTP)."""
    rpc.ipc_call(ipc_path(config, node), "miner_start" if on else "miner_stop")


def _log_tail(config: NetworkConfig, node: str, lines: int = 15) -> str:
    return process.log_tail(config.log_file(node), lines)


def _wait_rpc(config: NetworkConfig, node: NodeSpec, child: subprocess.Popen[bytes], deadline: float) -> None:
    while True:
        if child.poll() is not None:
            config.pid_file(node.name).unlink(missing_ok=True)
            raise NodeStartError(node.name, f"geth exited with status {child.returncode}", _log_tail(config, node.name))
        try:
            rpc.call(node.rpc_url, "eth_blockNumber", timeout=2)
            return
        except RpcError:
            if time.monotonic() > deadline:
                raise NodeStartError(node.name, "RPC did not come up", _log_tail(config, node.name)) from None
            time.sleep(0.3)


def running_nodes(config: NetworkConfig) -> list[NodeSpec]:
    return [n for n in config.nodes if pid_of(config, n.name)]


def wait_for_peers(config: NetworkConfig, *, deadline: float, progress: Progress = _quiet) -> None:
    """Waits until every running node is connected to every other running node."""
    running = running_nodes(config)
    want = len(running) - 1
    progress(f"waiting for {len(running)} node(s) to peer")
    while True:
        short = [n.name for n in running if int(rpc.call(n.rpc_url, "net_peerCount"), 16) < want]
        if not short:
            return
        if time.monotonic() > deadline:
            raise NodeStartError(short[0], f"did not reach {want} peers in time", _log_tail(config, short[0]))
        time.sleep(0.5)


def wait_for_blocks(config: NetworkConfig, count: int = 2, *, timeout: float = 60.0, node: str | None = None) -> int:
    """Waits until `count` new blocks arrive on a running node; returns the new head number."""
    target = config.node(node) if node else running_nodes(config)[0]
    start = int(rpc.call(target.rpc_url, "eth_blockNumber"), 16)
    deadline = time.monotonic() + timeout
    while True:
        head = int(rpc.call(target.rpc_url, "eth_blockNumber"), 16)
        if head >= start + count:
            return head
        if time.monotonic() > deadline:
            raise NetworkError(f"no new blocks for {timeout:.0f} s (head {head}): are enough signers running?")
        time.sleep(0.25)


def wait_for_sync(config: NetworkConfig, *, timeout: float = 60.0, slack: int = 1) -> int:
    """Waits until every running node's head is within `slack` blocks of the highest; returns that head."""
    deadline = time.monotonic() + timeout
    while True:
        heads = {n.name: int(rpc.call(n.rpc_url, "eth_blockNumber"), 16) for n in running_nodes(config)}
        top = max(heads.values())
        behind = [name for name, head in heads.items() if head < top - slack]
        if not behind:
            return top
        if time.monotonic() > deadline:
            raise NetworkError(f"node(s) {', '.join(behind)} did not catch up to block {top} in {timeout:.0f} s")
        time.sleep(0.25)


def stop_nodes(
    config: NetworkConfig, names: Iterable[str] | None = None, *, timeout: float = 30.0, progress: Progress = _quiet
) -> list[str]:
    """Stops the named nodes (all by default) gracefully (SIGTERM, then SIGKILL after `timeout`).
    Returns the names stopped; the chain data stays, and the next start resumes it."""
    stopped = []
    for node in config.select(list(names or [])):
        if process.stop(
            config.pid_file(node.name),
            str(config.data_dir(node.name)),
            timeout=timeout,
            name=f"node {node.name}",
            progress=progress,
        ):
            stopped.append(node.name)
        _stop_gateway(config, node.name)
    return stopped


def kill_node(config: NetworkConfig, name: str) -> None:
    """Kills a node abruptly (SIGKILL), as a crash would (its RPC gateway too: the node's endpoint is gone); for
    failure tests."""
    process.kill(config.pid_file(name), str(config.data_dir(name)))
    _stop_gateway(config, name, kill=True)


# ---------------------------------------------------------------------------------------------- status


@dataclass(frozen=True)
class NodeStatus:
    name: str
    running: bool
    signer: bool
    peers: int | None
    head: int | None
    head_hash: str | None
    head_age: float | None
    rpc_url: str


@dataclass(frozen=True)
class NetworkStatus:
    nodes: tuple[NodeStatus, ...]
    signers: tuple[str, ...]
    period: int

    @property
    def advancing(self) -> bool:
        """Whether the chain seals blocks: the freshest head is younger than a few block periods."""
        ages = [n.head_age for n in self.nodes if n.head_age is not None]
        return bool(ages) and min(ages) <= max(3 * self.period, 10)

    @property
    def summary(self) -> str:
        running = sum(n.running for n in self.nodes)
        state = "advancing" if self.advancing else "STALLED (too few signers running?)" if running else "down"
        return f"{running}/{len(self.nodes)} nodes running, {len(self.signers)} signers, chain {state}"


def network_status(config: NetworkConfig) -> NetworkStatus:
    """What every node reports, and the signer set (clique_getSigners) seen by a running node."""
    signers: list[str] = []
    rows = []
    for node in config.nodes:
        running = pid_of(config, node.name) is not None
        peers = head = None
        head_hash = None
        age = None
        if running:
            try:
                peers = int(rpc.call(node.rpc_url, "net_peerCount"), 16)
                block = rpc.call(node.rpc_url, "eth_getBlockByNumber", "latest", False)
                head, head_hash = int(block["number"], 16), block["hash"]
                age = max(0.0, time.time() - int(block["timestamp"], 16))
                signers = signers or [s.lower() for s in rpc.call(node.rpc_url, "clique_getSigners")]
            except RpcError:
                pass  # running but not answering (starting up, overloaded): shown with empty columns
        rows.append(NodeStatus(node.name, running, False, peers, head, head_hash, age, node.rpc_url))
    if not signers:
        signers = [n.account.lower() for n in config.nodes if n.genesis_signer]
    by_account = {n.account.lower(): n.name for n in config.nodes}
    rows = [NodeStatus(**{**r.__dict__, "signer": config.node(r.name).account.lower() in signers}) for r in rows]
    return NetworkStatus(tuple(rows), tuple(by_account.get(s, s) for s in signers), config.period)


# ---------------------------------------------------------------------------------------------- voting


def propose(
    config: NetworkConfig, address: str, authorize: bool, *, timeout: float = 120.0, progress: Progress = _quiet
) -> list[str]:
    """Proposes adding (or removing) `address` as a signer on every running current signer, and waits until the
    signer set reflects it. Returns the new signer set (node names where known).

    When `address` is one of our nodes' accounts and that node runs, its sealer is started (or stopped).
    """
    signers = _vote(config, address.lower(), authorize, timeout=timeout, progress=progress)
    for node in running_nodes(config):
        if node.account.lower() == address.lower():
            progress(f"{'starting' if authorize else 'stopping'} the sealer of node {node.name}")
            set_sealing(config, node.name, authorize)
    return signers


def _vote(config: NetworkConfig, address: str, authorize: bool, *, timeout: float, progress: Progress) -> list[str]:
    status = network_status(config)
    voters = [n for n in config.nodes if n.name in status.signers and pid_of(config, n.name)]
    if not voters:
        raise NetworkError("no running signer to vote")
    for node in voters:
        progress(f"{node.name} votes to {'add' if authorize else 'remove'} {address}")
        rpc.ipc_call(ipc_path(config, node.name), "clique_propose", address, authorize)  # votes: IPC only
    deadline = time.monotonic() + timeout
    try:
        while True:
            signers = [s.lower() for s in rpc.call(voters[0].rpc_url, "clique_getSigners")]
            if (address in signers) == authorize:
                _signers_file(config).write_text(json.dumps(sorted(signers)) + "\n")
                by_account = {n.account.lower(): n.name for n in config.nodes}
                return [by_account.get(s, s) for s in signers]
            if time.monotonic() > deadline:
                raise NetworkError(
                    f"the vote did not pass in {timeout:.0f} s: a majority of signers must be running and voting"
                )
            time.sleep(0.5)
    finally:
        # Withdraw the proposals, so the signers do not keep re-voting (clique keeps proposals until discarded).
        for node in voters:
            with contextlib.suppress(RpcError):
                rpc.ipc_call(ipc_path(config, node.name), "clique_discard", address)
