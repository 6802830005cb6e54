"""The paper's whole story from the command line (docs/operations.md), on the real clique network, the real private
swarm, the real slicer and the real matcher bot: publish a printer twin → a cart of two orders from an STL → the bot
matches both → authorise and assign an operator → start → fault → the order is re-matched (rework first) → start
→ finish → `ape run orders show` says printed, with the duration and the fault. Bad input on each command is one
line on stderr, a non-zero exit, and nothing sent."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from offchain.chain.connection import Chain
from offchain.printing.samples import box
from offchain.twins.schema import example_of
from offchain.types import OrderStatus
from tests.integration.conftest import ape_run, dev_account, web3_for

SERVICER, MATCHER, OPERATOR, CUSTOMER, STRANGER = 2, 3, 4, 8, 9


@pytest.fixture(scope="module")
def cli(network, registry_file, ipfs) -> Any:
    """`ape run <script> …` on the boot node with the test registry (and the swarm's first node for IPFS)."""
    url = network.node("boot").rpc_url

    def run(
        script: str, *args: str, account: int | None = None, ipfs_api: bool = False, check: bool = True,
        env: dict[str, str] | None = None,
    ):  # fmt: skip
        options = ["--network", f"ethereum:imse:{url}", "--registry", str(registry_file)]
        if ipfs_api:
            options += ["--ipfs-api", ipfs.nodes[0].api_url]
        if account is not None:
            options += ["--account", f"TEST::{account}"]
        return ape_run(script, *args, *options, check=check, timeout=300, env=env)

    return run


@pytest.fixture(scope="module")
def sdk(network, registry) -> Chain:
    return Chain(web3_for(network, "boot"), registry)


@pytest.fixture(scope="module")
def story(cli, sdk, network, registry_file, ipfs, tmp_path_factory):
    """Twin, rule, the bot (a background service, as `make up` starts it), and a cart of two orders."""
    folder = tmp_path_factory.mktemp("walkthrough")
    printer = folder / "printer.json"
    printer.write_text(json.dumps(example_of("printer")))
    cli("twins", "publish", str(printer), account=SERVICER, ipfs_api=True)
    rule = cli("matcher", "rules", "register", "offchain/matching/rules/rule1-importance.json", account=MATCHER,
               ipfs_api=True)  # fmt: skip
    rule_id = json.loads(rule.stdout)["rule_id"]
    env = {"IMSE_DATA_DIR": str(folder)}  # the service's pid file, log and checkpoint: data/matcher/ → here
    rpc = network.node("matcher").rpc_url
    bot_up = ["bot", "up", "--rule-id", str(rule_id), "--confirmations", "1", "--rpc", rpc]
    cli(*bot_up, account=MATCHER, ipfs_api=True, env=env)
    (folder / "part.stl").write_bytes(box(20, 15, 8))
    cart = [
        {"stl": "part.stl", "material": "PLA", "colour": "white", "quantity": 1, "priority": 20, "due_days": 3},
        {"stl": "part.stl", "material": "PLA", "colour": "black", "quantity": 2, "priority": 10, "due_days": 5},
    ]
    (folder / "cart.json").write_text(json.dumps({"ship_to": "Jane Doe, 1 Main St", "items": cart}))
    try:
        yield {"folder": folder, "log": folder / "matcher" / "bot.log", "bot_env": env}
    finally:
        ape_run("bot", "down", env=env)


def wait_for(condition, what: str, log: Path, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; bot log:\n{log.read_text()[-3000:]}")


def owner_index(sdk: Chain, twin_id: int) -> int:
    owner = sdk.twin_registry.twin(twin_id).owner
    return next(i for i in range(10) if dev_account(i).address == owner)


def test_walkthrough__cart_to_printed_with_a_fault_and_rework(cli, sdk, story, network):
    placed = cli("orders", "cart", str(story["folder"] / "cart.json"), "--json", account=CUSTOMER, ipfs_api=True)
    first, second = (row["order"] for row in json.loads(placed.stdout)["orders"])
    shipping = json.loads(Path(json.loads(placed.stdout)["shipping_file"]).read_text())
    assert shipping["shipping"] == {"ship_to": "Jane Doe, 1 Main St"}  # off chain, salted
    assert sdk.order_book.placed_order(first).request.shipping_hash.hex() == shipping["hash"][2:]

    def both_matched() -> bool:
        return all(sdk.order_book.status(i) == OrderStatus.MATCHED for i in (first, second))

    wait_for(both_matched, "the bot to match both orders", story["log"])
    status = json.loads(ape_run("bot", "status", "--json", env=story["bot_env"]).stdout)
    assert status["running"]
    assert status["rpc"] == network.node("matcher").rpc_url
    assert status["checkpoint_block"] >= sdk.order_book.placed_order(second).block
    twin = sdk.match_ledger.match(first).twin_id
    owner, operator = owner_index(sdk, twin), dev_account(OPERATOR).address
    listed = json.loads(cli("tasks", "list", "--json").stdout)
    assert {t["order"] for t in listed} >= {first, second}

    cli("tasks", "operator", str(twin), operator, account=owner)
    cli("tasks", "assign", str(first), operator, account=owner)
    cli("tasks", "start", str(first), account=OPERATOR)
    assert sdk.order_book.status(first) == OrderStatus.PRINTING
    cli("tasks", "fault", str(first), "--reason", "nozzle-clog", account=OPERATOR)
    assert sdk.order_book.order(first).rework_count == 1

    wait_for(lambda: sdk.order_book.status(first) == OrderStatus.MATCHED, "the rework to be re-matched", story["log"])
    rematch = sdk.match_ledger.match(first)
    twin = rematch.twin_id
    owner = owner_index(sdk, twin)
    cli("tasks", "operator", str(twin), operator, account=owner)
    cli("tasks", "assign", str(first), operator, account=owner)
    cli("tasks", "start", str(first), account=OPERATOR)
    cli("tasks", "finish", str(first), account=OPERATOR)

    shown = json.loads(cli("orders", "show", str(first), "--json").stdout)
    assert shown["status"] == "printed"
    assert [f["reason"] for f in shown["faults"]] == [1]
    assert len(shown["attempts"]) == 2
    assert len(shown["durations_seconds"]) == 1
    assert shown["durations_seconds"][0] >= 1
    assert [step["to"] for step in shown["history"]] == [
        "matched",
        "printing",
        "rework",
        "matched",
        "printing",
        "printed",
    ]
    text = cli("orders", "show", str(first)).stdout
    assert f"order {first}: printed" in text
    assert "printed in 0h" in text


def test_orders_place__unknown_material__one_line_nothing_sent(cli, sdk, story):
    before = sdk.order_book.count()
    done = cli("orders", "place", str(story["folder"] / "part.stl"), "--material", "Unobtainium", "--colour", "white",
               account=CUSTOMER, ipfs_api=True, check=False)  # fmt: skip
    assert done.returncode != 0
    assert "material 'Unobtainium' is not in the catalogue" in done.stderr
    assert "Traceback" not in done.stderr
    assert sdk.order_book.count() == before


def test_orders_place__malformed_stl__refused_before_upload(cli, sdk, story):
    bad = story["folder"] / "bad.stl"
    bad.write_bytes(b"solid nothing\nthis is not an stl\n")
    before = sdk.order_book.count()
    done = cli("orders", "place", str(bad), "--material", "PLA", "--colour", "white", account=CUSTOMER, ipfs_api=True,
               check=False)  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert sdk.order_book.count() == before


def test_orders_cancel__not_your_order__decoded_refusal_with_a_hint(cli, sdk, story):
    big = story["folder"] / "big.stl"
    big.write_bytes(box(900, 900, 600))  # fits no printer: the bot leaves it Placed
    placed = cli("orders", "place", str(big), "--material", "PLA", "--colour", "white", "--json", account=CUSTOMER,
                 ipfs_api=True)  # fmt: skip
    order_id = json.loads(placed.stdout)["orders"][0]["order"]
    done = cli("orders", "cancel", str(order_id), account=STRANGER, check=False)
    assert done.returncode != 0
    assert "OrderBookNotCustomer" in done.stderr
    assert "only the customer who placed the order" in done.stderr
    assert "sending" not in done.stderr  # refused by the simulation: nothing was signed
    cli("orders", "cancel", str(order_id), account=CUSTOMER)
    assert sdk.order_book.status(order_id) == OrderStatus.CANCELLED


def test_tasks_start__unknown_order__one_line(cli, story):
    done = cli("tasks", "start", "99999", account=OPERATOR, check=False)
    assert done.returncode != 0
    assert "no order 99999" in done.stderr


def test_catalogue__list_and_add__admin_only(cli, sdk, story):
    listed = json.loads(cli("catalogue", "list", "--json").stdout)
    assert listed["materials"]["0"] == "PLA"
    refused = cli("catalogue", "add", "material", "9", "PEEK", account=STRANGER, check=False)
    assert refused.returncode != 0
    assert "AccessControlUnauthorizedAccount" in refused.stderr
    cli("catalogue", "add", "material", "9", "PEEK", account=0)
    assert sdk.twin_registry.catalogue().materials[9] == "PEEK"


def test_matcher_match_manual__part_too_big__constraint_named_nothing_sent(cli, sdk, story):
    big = story["folder"] / "huge.stl"
    big.write_bytes(box(800, 700, 500))
    placed = cli("orders", "place", str(big), "--material", "PLA", "--colour", "white", "--json", account=CUSTOMER,
                 ipfs_api=True)  # fmt: skip
    order_id = json.loads(placed.stdout)["orders"][0]["order"]
    twin_id = sdk.twin_registry.count()
    done = cli("matcher", "match", "--manual", str(order_id), str(twin_id), "--estimate", "30", account=MATCHER,
               check=False)  # fmt: skip
    assert done.returncode != 0
    assert "does not fit twin" in done.stderr
    assert "nothing sent" in done.stderr
    assert sdk.order_book.status(order_id) == OrderStatus.PLACED


def test_matcher_unmatch__a_match_that_is_not_stranded__refused_for_a_non_matcher(cli, sdk, story):
    placed = cli("orders", "place", str(story["folder"] / "part.stl"), "--material", "PLA", "--colour", "white",
                 "--json", account=CUSTOMER, ipfs_api=True)  # fmt: skip
    order_id = json.loads(placed.stdout)["orders"][0]["order"]
    wait_for(lambda: sdk.order_book.status(order_id) == OrderStatus.MATCHED, "the bot to match it", story["log"])
    before = sdk.order_book.history(order_id)

    done = cli("matcher", "unmatch", str(order_id), account=STRANGER, check=False)

    assert done.returncode == 1
    assert "MatchLedgerMatchNotStranded" in done.stderr
    assert "only a matcher withdraws a match that is not stranded" in done.stderr
    assert "sending" not in done.stderr  # refused in the simulation: nothing sent
    assert sdk.order_book.history(order_id) == before
    unknown = cli("matcher", "unmatch", "999", account=STRANGER, check=False)
    assert unknown.returncode == 1
    assert "OrderBookOrderNotFound" in unknown.stderr


def test_bot_up__unknown_rule__one_line_nothing_started(cli, story, tmp_path):
    done = cli("bot", "up", "--rule-id", "99", account=MATCHER, ipfs_api=True, check=False,
               env={"IMSE_DATA_DIR": str(tmp_path)})  # fmt: skip
    assert done.returncode == 1
    assert "no rule 99 is registered" in done.stderr
    assert not (tmp_path / "matcher" / "bot.pid").exists()
