"""A real reorg on the real clique network, under the matcher bot (issue 10, point 11).

The matcher node — a signer, and the node the bot talks to — is cut off from the other two signers. The bot
publishes a batch there, the cut-off signer seals it into the one block it may seal alone, while the majority side
seals on: a customer cancels one of the batch's orders there, and the matcher's key is used there for another
transaction at the batch's nonce. On reconnecting, the short side's block is replaced by the majority's chain and
the batch cannot come back. Nothing the bot did may be lost or doubled: every order of the batch ends matched
exactly once on the canonical chain, except the cancelled one, which is never matched.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from web3 import Web3

from offchain.bench.match_latency import prepare
from offchain.bot.service import BotService
from offchain.chain.connection import Chain, web3_at
from offchain.chain.signer import Signer
from offchain.network import manager, rpc
from offchain.network.layout import NetworkConfig
from offchain.printing.samples import box
from offchain.storage.kubo import KuboStorage
from offchain.types import OrderStatus
from tests.integration.conftest import contract, dev_account, send, wait_until
from tests.integration.test_matcher_bot import CUSTOMERS, MATCHER, SERVICER, place, wait

CUT = "matcher"  # the signer cut off, and the node the bot uses
MAJORITY = "boot"


def _ipc(network: NetworkConfig, node: str, method: str, *params: Any) -> Any:
    return rpc.ipc_call(manager.ipc_path(network, node), method, *params)


def _cut_off(network: NetworkConfig, node: str) -> None:
    """Removes every peering of `node`, on both ends (one end alone is re-dialled), until it has no peer for 1 s."""
    others = [n.name for n in network.nodes if n.name != node]
    enodes = {name: _ipc(network, name, "admin_nodeInfo")["enode"] for name in [node, *others]}
    quiet_since = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for other in others:
            _ipc(network, node, "admin_removePeer", enodes[other])
            _ipc(network, other, "admin_removePeer", enodes[node])
        if _ipc(network, node, "admin_peers"):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 1.0:
            return
        time.sleep(0.1)
    pytest.fail(f"{node} kept peers after 30 s of removals")


def _heal(network: NetworkConfig, node: str) -> None:
    """Re-peers `node` with every other node, dialled from `node` (the others dialled it before the cut, so their
    dial history would hold them back for 35 s)."""
    for other in (n.name for n in network.nodes if n.name != node):
        _ipc(network, node, "admin_addPeer", _ipc(network, other, "admin_nodeInfo")["enode"])


@pytest.fixture(scope="module")
def story(network, registry, registry_file, ipfs, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Printers, a rule and designs of this module's own, and a matcher bot service (not started) whose node is
    the one to be cut off."""
    w3 = web3_at(network.node(MAJORITY).rpc_url)
    sdk = Chain(w3, registry)
    with KuboStorage(ipfs.nodes[0].api_url) as store:
        prepared = prepare(
            sdk, store, Signer(sdk, dev_account(SERVICER)), Signer(sdk, dev_account(MATCHER)),
            designs=[(box(s, s, s / 2), s * 1000) for s in (14, 18)],
        )  # fmt: skip
    bot = BotService(tmp_path_factory.mktemp("reorg-bot"))

    def start_bot() -> None:
        bot.start(network.node(CUT).rpc_url, registry_file, ipfs.nodes[1].api_url, prepared.rule_id,
                  dev_account(MATCHER).key.hex(), confirmations=2)  # fmt: skip

    setup = {"w3": w3, "rule_id": prepared.rule_id, "designs": prepared.designs, "twins": prepared.twin_ids}
    try:
        yield {"setup": setup, "bot": bot, "start_bot": start_bot}
    finally:
        bot.stop()
        _heal(network, CUT)
        manager.set_sealing(network, CUT, True)


def test_reorg__bot_publish_on_the_short_side__replaced_and_nothing_lost_or_doubled(network, registry, story):
    setup, w3 = story["setup"], story["setup"]["w3"]
    cut_w3 = web3_at(network.node(CUT).rpc_url)
    matcher = dev_account(MATCHER).address
    book, ledger = contract(w3, registry, "OrderBook"), contract(w3, registry, "MatchLedger")

    # The cut-off signer must not have sealed the head it is cut at, or it could seal nothing alone: stop its
    # sealer first, so it holds the bot's batch until we let it seal its one block.
    bot = story["bot"]
    story["start_bot"]()  # first let the bot catch up with everything earlier tests left, then stop it
    wait_until(
        "the bot to catch up, with nothing in flight",
        lambda: (
            (bot.status().checkpoint_block or 0) >= w3.eth.block_number - 3
            and w3.eth.get_transaction_count(matcher, "pending") == w3.eth.get_transaction_count(matcher, "latest")
        ),
        timeout=120,
    )
    bot.stop()

    # The cut-off signer must not have sealed the head it is cut at, or it could seal nothing alone: stop its
    # sealer first, so it also holds the bot's batch until we let it seal its one block.
    manager.set_sealing(network, CUT, False)
    orders = place(setup, registry, 4, seed=2026)
    start = w3.eth.block_number
    wait_until("the orders to settle", lambda: w3.eth.block_number >= start + 4)
    _cut_off(network, CUT)
    cut_head = cut_w3.eth.block_number

    story["start_bot"]()
    pooled = wait_until(
        "the bot's batch in the cut-off node's pool",
        lambda: rpc.call(network.node(CUT).rpc_url, "txpool_contentFrom", matcher)["pending"],
        timeout=90,
    )
    assert len(pooled) == 1
    cancelled = orders[0]
    customer = dev_account(CUSTOMERS[0])
    wait(w3, send(w3, customer, book.functions.cancelOrder(cancelled)))  # on the majority side only
    # The matcher's key used elsewhere meanwhile (an operator's `ape run matcher …` on another node): its
    # transaction takes the batch's nonce on the majority side, so after the reorg the batch is gone for good
    # and only the bot's own pool can bring its orders back.
    (nonce,) = (int(n) for n in pooled)
    importance = ledger.functions.setCustomerImportance(customer.address, 1)
    wait(w3, send(w3, dev_account(MATCHER), importance, nonce=nonce))

    manager.set_sealing(network, CUT, True)
    (batch_hash,) = (tx["hash"] for tx in pooled.values())
    short = wait_until("the batch sealed on the short side", lambda: _receipt(cut_w3, batch_hash), timeout=30)
    short_block, short_hash = int(short["blockNumber"]), bytes(short["blockHash"])
    assert short_block == cut_head + 1
    assert _status(cut_w3, registry, cancelled) == OrderStatus.MATCHED  # the short side's view
    majority_head = wait_until(
        "the majority side to outgrow the short one", lambda: w3.eth.block_number >= short_block + 3
    )
    assert majority_head

    _heal(network, CUT)
    wait_until(
        "the short side's block to be replaced",
        lambda: (
            bytes(cut_w3.eth.get_block(short_block)["hash"]) != short_hash
            and cut_w3.eth.get_block(short_block)["hash"] == w3.eth.get_block(short_block)["hash"]
        ),
        timeout=60,
    )
    rest = orders[1:]
    wait_until(
        "every order but the cancelled one matched on the canonical chain",
        lambda: all(_status(w3, registry, o) == OrderStatus.MATCHED for o in rest),
        timeout=120,
    )
    head = w3.eth.block_number
    wait_until(  # a doubled publish would be planned in these spans, so it would show in the count below
        "the bot to handle three more settled blocks", lambda: (bot.status().checkpoint_block or 0) >= head + 3
    )
    matched = Counter(
        int(e["args"]["orderId"]) for e in ledger.events.OrderMatched.get_logs(from_block=start, to_block="latest")
    )
    assert {o: matched[o] for o in orders} == {cancelled: 0, **{o: 1 for o in rest}}
    assert _status(w3, registry, cancelled) == OrderStatus.CANCELLED
    assert _receipt(w3, batch_hash) is None  # the short side's batch is not on the canonical chain
    assert bot.status().running, bot.log.read_text()[-3000:]


def _receipt(w3: Web3, tx_hash: str) -> Any:
    try:
        return w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except Exception:  # not mined yet
        return None


def _status(w3: Web3, registry: Any, order_id: int) -> OrderStatus:
    return OrderStatus(contract(w3, registry, "OrderBook").functions.statusOf(order_id).call())
