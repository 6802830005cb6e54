"""The clique network on real geth: peering, signers, deployment, cross-node visibility, signer failures, voting,
and a clean shutdown. Tests run in file order on one shared network (the later ones change its signer set)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from offchain.chain.requests import sample_order
from offchain.exceptions import RpcError
from offchain.network import manager, rpc
from offchain.network.layout import NetworkConfig
from offchain.settings import PROJECT_ROOT as ROOT
from offchain.types import OrderStatus
from tests.integration.conftest import (
    LOOPBACK,
    ape_run,
    contract,
    dev_account,
    listening_addresses,
    send,
    status_json,
    web3_for,
)

WEEK = 7 * 24 * 3600


def _order_request(w3, **fields):
    due = w3.eth.get_block("latest")["timestamp"] + WEEK
    return sample_order(due, designCid="bafkreidesign", **fields)


def _heads(network: NetworkConfig) -> dict[str, int]:
    return {n.name: int(rpc.call(n.rpc_url, "eth_blockNumber"), 16) for n in manager.running_nodes(network)}


def _signers(network: NetworkConfig) -> set[str]:
    return {s.lower() for s in rpc.call(network.node("boot").rpc_url, "clique_getSigners")}


# ---------------------------------------------------------------------------------------------- bring-up


def test_nodes__all_peer_and_agree_on_head(network):
    manager.wait_for_blocks(network, 2)
    head = manager.wait_for_sync(network, slack=0)

    hashes = {rpc.call(n.rpc_url, "eth_getBlockByNumber", hex(head), False)["hash"] for n in network.nodes}
    peers = {n.name: int(rpc.call(n.rpc_url, "net_peerCount"), 16) for n in network.nodes}
    assert len(hashes) == 1
    assert peers == dict.fromkeys(["boot", "customer", "printer", "matcher"], 3)


def test_clique_signers__equal_the_configured_set(network):
    configured = {n.account.lower() for n in network.nodes if n.genesis_signer}

    assert _signers(network) == configured
    assert {n.name for n in network.nodes if n.genesis_signer} == {"boot", "printer", "matcher"}


def test_status_json__reports_every_node(network):
    status = status_json(network)

    assert status["advancing"] is True
    assert sorted(status["signers"]) == ["boot", "matcher", "printer"]
    assert [(n["name"], n["running"], n["peers"]) for n in status["nodes"]] == [
        ("boot", True, 3),
        ("customer", True, 3),
        ("printer", True, 3),
        ("matcher", True, 3),
    ]


def test_genesis__existing_network__is_refused_without_force(network):
    genesis_before = network.genesis_path.read_text()

    done = ape_run("genesis", "--dir", str(network.root), check=False)

    assert done.returncode != 0
    assert "already exists" in done.stdout + done.stderr
    assert network.genesis_path.read_text() == genesis_before


def test_genesis__force_while_running__is_refused(network):
    done = ape_run("genesis", "--dir", str(network.root), "--force", check=False)

    assert done.returncode != 0
    assert "stop the running nodes first" in done.stdout + done.stderr


def test_network_ports__listen_on_loopback_only(network):
    ports = {n.http_port for n in network.nodes} | {n.p2p_port for n in network.nodes}
    found = listening_addresses(ports)
    assert set(found) == ports
    assert all(addresses == {LOOPBACK} for addresses in found.values()), found


def test_signer_node__http_cannot_send_as_the_signer__unlocked_without_the_insecure_flag(network):
    """Issue 19, point 18: signer nodes ran `--unlock … --allow-insecure-unlock` with eth on HTTP, so any local
    process could send as a signer. Geth now serves IPC only; the node's HTTP port is its RPC gateway."""
    node = network.node("boot")  # a signer
    transfer = {"from": node.account, "to": node.account, "value": "0x1"}

    with pytest.raises(RpcError, match="not served over HTTP"):
        rpc.call(node.rpc_url, "eth_sendTransaction", transfer)
    with pytest.raises(RpcError, match="not served over HTTP"):
        rpc.call(node.rpc_url, "eth_sign", node.account, "0x00")
    assert int(rpc.call(node.rpc_url, "eth_blockNumber"), 16) > 0  # reading is what HTTP is for
    command = Path(f"/proc/{manager.pid_of(network, 'boot')}/cmdline").read_bytes().split(b"\0")
    assert b"--allow-insecure-unlock" not in command
    assert not [arg for arg in command if arg.startswith(b"--http")]
    assert rpc.ipc_call(manager.ipc_path(network, "boot"), "eth_sign", node.account, "0x00")  # the operator's IPC


# ---------------------------------------------------------------------------------------------- deploy


def test_deploy__writes_a_registry_with_live_contracts(network, registry):
    w3 = web3_for(network, "matcher")

    assert registry.chain_id == network.chain_id == w3.eth.chain_id
    for entry in registry.contracts.values():
        assert len(w3.eth.get_code(entry.address)) > 100, entry.name
        assert w3.eth.get_transaction_receipt(entry.tx)["blockNumber"] == entry.block
    book = contract(w3, registry, "OrderBook")
    ledger = contract(w3, registry, "MatchLedger")
    log = contract(w3, registry, "ExecutionLog")
    assert book.functions.matchWriter().call() == ledger.address
    assert book.functions.executionWriter().call() == log.address
    assert contract(w3, registry, "TwinRegistry").functions.catalogueMasks().call() == [0b111111, 0b11111111]


def test_deploy__again_with_live_registry__does_nothing(network, registry, tmp_path):
    path = tmp_path / "copy.json"
    path.write_text(registry.to_json())

    done = ape_run(
        "deploy",
        "--network",
        f"ethereum:imse:{network.node('boot').rpc_url}",
        "--account",
        "TEST::0",
        "--registry",
        str(path),
    )

    assert "nothing to do" in done.stdout + done.stderr
    assert path.read_text() == registry.to_json()


def test_deploy__registry_of_older_contracts__says_so_and_deploys_the_new_ones(network, registry, tmp_path):
    """A dev network deployed by an earlier version (its ABIs differ from the compiled ones) is redeployed by
    `make up` instead of leaving the off-chain code calling functions the old contracts lack."""
    data = json.loads(registry.to_json())
    data["contracts"]["MatchLedger"]["abi"] = [e for e in data["contracts"]["MatchLedger"]["abi"]
                                               if e.get("name") != "isStranded"]  # fmt: skip
    path = tmp_path / "older.json"
    path.write_text(json.dumps(data))

    done = ape_run(
        "deploy", "--network", f"ethereum:imse:{network.node('boot').rpc_url}", "--account", "TEST::0",
        "--registry", str(path),
    )  # fmt: skip

    assert "the contracts changed since older.json was deployed (MatchLedger)" in done.stderr
    assert "WARNING" not in done.stderr  # the dev network: its test accounts are the point
    redeployed = json.loads(path.read_text())
    assert redeployed["contracts"]["MatchLedger"]["address"] != registry.contracts["MatchLedger"].address
    assert any(e.get("name") == "isStranded" for e in redeployed["contracts"]["MatchLedger"]["abi"])


def test_deploy__outside_the_dev_network_with_test_accounts__warns_loudly(tmp_path):
    """ape's in-process chain (chain id 1337) stands in for a real consortium's: the shipped dev parameters name
    TEST::0 as admin and TEST::1..3 as servicers and matcher, so the deployment says so in a banner."""
    done = ape_run(
        "deploy", "--network", "ethereum:local:test", "--account", "TEST::0",
        "--params", str(ROOT / "deployments" / "params" / "imse.yaml"), "--registry", str(tmp_path / "local.json"),
    )  # fmt: skip

    assert "WARNING: chain 1337 is not the dev network" in done.stderr
    assert "admin (DEFAULT_ADMIN_ROLE of every contract): 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 is TEST::0" in (
        done.stderr
    )
    assert "MATCHER_ROLE: 0x90F79bf6EB2c4f870365E785982E1f101E93b906 is TEST::3" in done.stderr
    assert (tmp_path / "local.json").is_file()


def test_order_placed_on_customer_node__is_seen_on_matcher_node(network, registry):
    customer_w3, matcher_w3 = web3_for(network, "customer"), web3_for(network, "matcher")
    customer = dev_account(5)
    tx_hash = send(
        customer_w3,
        customer,
        contract(customer_w3, registry, "OrderBook").functions.placeOrder(_order_request(customer_w3)),
    )

    receipt = customer_w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    manager.wait_for_sync(network, slack=0)
    book = contract(matcher_w3, registry, "OrderBook")
    events = book.events.OrderPlaced().get_logs(from_block=receipt["blockNumber"], to_block=receipt["blockNumber"])
    assert [(e.args.customer, e.args.request["designCid"]) for e in events] == [(customer.address, "bafkreidesign")]
    order_id = events[0].args.orderId
    order = book.functions.getOrder(order_id).call()
    assert order[0] == customer.address
    assert order[9] == OrderStatus.PLACED


# ---------------------------------------------------------------------------------------------- failures


def test_one_signer_killed__blocks_continue_and_no_transaction_is_lost(network, registry):
    w3 = web3_for(network, "customer")
    customer = dev_account(6)
    book = contract(w3, registry, "OrderBook")
    manager.kill_node(network, "printer")

    nonce = w3.eth.get_transaction_count(customer.address, "pending")
    hashes = [
        send(w3, customer, book.functions.placeOrder(_order_request(w3, quantity=i + 1)), nonce + i) for i in range(5)
    ]
    manager.wait_for_blocks(network, 4, timeout=30, node="customer")

    receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=30) for h in hashes]
    assert [r["status"] for r in receipts] == [1] * 5

    manager.start_nodes(network, ["printer"])
    manager.wait_for_blocks(network, 2, node="printer")
    top = manager.wait_for_sync(network, slack=0)
    printer_hash = rpc.call(network.node("printer").rpc_url, "eth_getBlockByNumber", hex(top), False)["hash"]
    boot_hash = rpc.call(network.node("boot").rpc_url, "eth_getBlockByNumber", hex(top), False)["hash"]
    assert printer_hash == boot_hash
    assert all(web3_for(network, "printer").eth.get_transaction_receipt(h)["status"] == 1 for h in hashes)


def test_two_of_three_signers_down__chain_stops_then_resumes(network):
    manager.stop_nodes(network, ["printer", "matcher"], timeout=10)
    time.sleep(2)  # let the last in-flight block land
    stalled_at = _heads(network)["boot"]
    time.sleep(6 * network.period + 2)

    assert _heads(network)["boot"] <= stalled_at + 1
    assert status_json(network)["advancing"] is False

    manager.start_nodes(network, ["printer"])
    manager.wait_for_blocks(network, 3, timeout=30, node="boot")
    assert status_json(network)["advancing"] is True
    manager.start_nodes(network, ["matcher"])
    manager.wait_for_sync(network, slack=1)


# ---------------------------------------------------------------------------------------------- voting


def test_vote_add__brings_the_customer_node_in_as_a_signer(network):
    customer = network.node("customer")

    done = ape_run("network", "vote", "add", "customer", "--dir", str(network.root))

    assert "vote passed" in done.stdout + done.stderr
    assert customer.account.lower() in _signers(network)
    manager.wait_for_blocks(network, 8, timeout=40)
    head = _heads(network)["boot"]
    sealers = {
        rpc.call(network.node("boot").rpc_url, "clique_getSigner", hex(b)).lower() for b in range(head - 7, head + 1)
    }
    assert customer.account.lower() in sealers


# ---------------------------------------------------------------------------------------------- shutdown


def _live_geth_pids(root: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if str(root).encode() in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


HEAD_AT_DOWN: dict[str, tuple[int, str]] = {}


def test_down__stops_every_node_and_leaves_no_process(network):
    assert _live_geth_pids(network.root)
    block = rpc.call(network.node("boot").rpc_url, "eth_getBlockByNumber", "latest", False)
    HEAD_AT_DOWN["boot"] = (int(block["number"], 16), block["hash"])

    ape_run("network", "down", "--dir", str(network.root))

    for _ in range(20):
        if not _live_geth_pids(network.root):
            break
        time.sleep(0.25)
    assert _live_geth_pids(network.root) == []
    assert not any(network.pid_file(n.name).exists() for n in network.nodes)
    assert os.path.isdir(network.data_dir("boot") / "geth" / "chaindata")  # chain data kept for the next `up`


def test_up_after_down__resumes_the_same_chain(network):
    number, block_hash = HEAD_AT_DOWN["boot"]

    ape_run("network", "up", "--dir", str(network.root))

    assert status_json(network)["advancing"] is True
    same = rpc.call(network.node("boot").rpc_url, "eth_getBlockByNumber", hex(number), False)
    assert same["hash"] == block_hash
    assert int(rpc.call(network.node("boot").rpc_url, "eth_blockNumber"), 16) > number
