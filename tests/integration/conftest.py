"""A real four-node geth clique network for the integration tests, built once per session in a temporary folder
(its own ports, 1 s blocks) through the same scripts a deployer runs, and torn down at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from offchain.chain.connection import web3_at
from offchain.chain.registry import Registry, load_registry
from offchain.network import manager
from offchain.network.layout import NetworkConfig
from offchain.network.swarm import SwarmConfig, stop_swarm
from offchain.settings import TEST_MNEMONIC

ROOT = Path(__file__).resolve().parents[2]
# Ports of the session's network and swarm; IMSE_TEST_BASE_PORT moves both (two checkouts testing at once).
BASE_PORT = int(os.environ.get("IMSE_TEST_BASE_PORT", "31400"))
IPFS_BASE_PORT = BASE_PORT + 100
APE = str(Path(sys.executable).with_name("ape"))


def ape_run(
    *args: str, timeout: float = 300, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs an ape script of the project the way a deployer does; with `check`, fails the test with its output
    when the script fails."""
    done = subprocess.run(
        [APE, "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "IMSE_NETWORK_DIR": "/nonexistent/use-dir", **(env or {})},
    )
    if check:
        assert done.returncode == 0, f"ape run {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkConfig]:
    root = tmp_path_factory.mktemp("clique") / "network"
    ape_run("genesis", "--dir", str(root), "--period", "1", "--base-port", str(BASE_PORT), "--dev-accounts", "12")
    config = NetworkConfig.load(root)
    try:
        ape_run("network", "up", "--dir", str(root))
        yield config
    finally:
        manager.stop_nodes(config, timeout=10)


@pytest.fixture(scope="session")
def registry_file(network: NetworkConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry written by `ape run deploy` to the test network."""
    path = tmp_path_factory.mktemp("deployments") / "imse.json"
    url = network.node("boot").rpc_url
    ape_run("deploy", "--network", f"ethereum:imse:{url}", "--account", "TEST::0", "--registry", str(path))
    return path


@pytest.fixture(scope="session")
def registry(registry_file: Path) -> Registry:
    return load_registry(registry_file)


@pytest.fixture(scope="session")
def ipfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwarmConfig]:
    """A two-node private IPFS swarm, brought up by `ape run ipfs up` in a temporary folder (own ports)."""
    root = tmp_path_factory.mktemp("ipfs") / "swarm"
    ape_run("ipfs", "up", "--dir", str(root), "--base-port", str(IPFS_BASE_PORT), timeout=180)
    config = SwarmConfig.load(root)
    try:
        yield config
    finally:
        stop_swarm(config, timeout=10)


def listening_addresses(ports: set[int]) -> dict[int, set[str]]:
    """The local addresses (hex, as /proc/net/tcp{,6} shows them) each of `ports` listens on."""
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) in ports:  # 0A = LISTEN
                found.setdefault(int(port, 16), set()).add(address)
    return found


LOOPBACK = "0100007F"


def web3_for(network: NetworkConfig, node: str) -> Web3:
    return web3_at(network.node(node).rpc_url)


def dev_account(index: int) -> Any:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(TEST_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def contract(w3: Web3, registry: Registry, name: str) -> Any:
    entry = registry.contracts[name]
    return w3.eth.contract(address=Web3.to_checksum_address(entry.address), abi=entry.abi)


def send(w3: Web3, account: Any, call: Any, nonce: int | None = None, gas: int = 500_000) -> bytes:
    """Signs and submits a contract call from `account`; returns the transaction hash."""
    tx = call.build_transaction(
        {
            "from": account.address,
            "nonce": w3.eth.get_transaction_count(account.address, "pending") if nonce is None else nonce,
            "gas": gas,
            "maxFeePerGas": 10 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "chainId": w3.eth.chain_id,
        }
    )
    return bytes(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))


def wait_until(what: str, check: Any, timeout: float = 60.0, poll: float = 0.25) -> Any:
    """Polls `check()` until it returns something truthy (returned); fails the test naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(poll)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def status_json(network: NetworkConfig) -> dict[str, Any]:
    return json.loads(ape_run("network", "status", "--dir", str(network.root), "--json").stdout)


# ---------------------------------------------------------------------------------------------- web + browser

WEB_PORT = BASE_PORT + 300
FAUCET = 11
"""The web server's faucet: a genesis-funded dev account no test sends from."""
ARTIFACTS = ROOT / "data" / "test-artifacts" / "web"
"""Screenshots of the browser tests (git-ignored, under data/)."""


@pytest.fixture(scope="session")
def web_server(
    network: NetworkConfig, registry_file: Path, ipfs: SwarmConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The web platform served the way `make up` serves it (waitress, `python -m web.serve`) on the session's
    network and swarm; yields its URL."""
    from web.platform.settings import WebSettings

    settings = WebSettings(
        port=WEB_PORT,
        rpc_url=network.node("boot").rpc_url,
        registry=registry_file,
        ipfs_url=ipfs.nodes[0].api_url,
        state_dir=tmp_path_factory.mktemp("web"),
        faucet_key=dev_account(FAUCET).key.hex(),
    )
    yield from served(settings)


def served(settings: Any) -> Iterator[str]:
    """A web server for `settings` started as `make up` starts it, its URL yielded, stopped afterwards (for fixtures:
    `yield from served(settings)`)."""
    from web.service import WebService

    service = WebService(settings)
    service.start()
    try:
        yield service.url
    finally:
        service.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from offchain.bench.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile with a test wallet injected (none for `new_page(None)`): `page = new_page(wallet)`."""
    contexts: list[Any] = []

    def make(wallet: Any) -> Any:
        context = chromium.new_context(viewport={"width": 1280, "height": 860})
        contexts.append(context)
        if wallet is not None:  # None: a browser without any wallet extension
            wallet.install(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
