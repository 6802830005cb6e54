"""Web platform tests through Flask's test client, against the real contracts on ape's in-process EVM (no servers).

Each test gets a fresh app (its own web database and session key) on the session's deployed platform.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from offchain.storage.base import MemoryStorage
from web.app import create_app
from web.platform.settings import WebSettings


@pytest.fixture(scope="session", autouse=True)
def _session_first(sdk, signer_of, admin, servicer, matcher, customer, other_customer, stranger) -> None:
    """Session fixtures before any test's own (ape snapshots the chain per test)."""


class FakeNodeRpc:
    """Stands in for the node behind /rpc (same interface as web.platform.chain_api.NodeRpc): answers eth_chainId like a
    node and records every call forwarded, so a test sees what reached the node."""

    def __init__(self, chain_id: int) -> None:
        self.chain_id = chain_id
        self.forwarded: list[str] = []

    def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        self.forwarded.append(method)
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": 1, "result": hex(self.chain_id)}
        return {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": f"fake node: {method}"}}


@pytest.fixture
def node_rpc(sdk) -> FakeNodeRpc:
    return FakeNodeRpc(sdk.registry.chain_id)


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
def app(sdk, tmp_path, node_rpc, storage):
    settings = WebSettings(state_dir=tmp_path / "web", secret_key="test-key")
    flask_app = create_app(settings, chain=sdk, node_rpc=node_rpc, storage=storage, follow=False)
    flask_app.config["TESTING"] = True
    return flask_app


class Browser:
    """A test client that keeps its cookies and sends the page's CSRF token the way wallet.js does."""

    def __init__(self, app: Any, base_url: str = "http://127.0.0.1:30600") -> None:
        self.client = app.test_client()
        self.base_url = base_url
        self.csrf = ""
        self.reload()

    def reload(self) -> None:
        """Loads the start page and takes its CSRF token (wallet.js reads it from the page's meta tag)."""
        page = self.client.get("/", base_url=self.base_url)
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert found, "the page carries a CSRF token"
        self.csrf = found.group(1)

    def post(self, path: str, payload: Any = None, *, csrf: bool = True, base_url: str | None = None) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        body = {} if payload is None else payload  # wallet.js always sends a JSON body
        return self.client.post(path, json=body, headers=headers, base_url=base_url or self.base_url)

    def htmx(self, path: str, data: dict[str, Any] | None = None, **files: tuple[bytes, str]) -> Any:
        """A form post the way htmx sends it (its CSRF header from <body>, HX-Request), files as (bytes, name)."""
        form: dict[str, Any] = dict(data or {})
        for field, (content, name) in files.items():
            form[field] = (io.BytesIO(content), name)
        headers = {"X-CSRF-Token": self.csrf, "HX-Request": "true"}
        return self.client.post(path, data=form, headers=headers, base_url=self.base_url)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, base_url=kwargs.pop("base_url", self.base_url), **kwargs)

    def sign_in(self, account: Any) -> Any:
        issued = self.post("/auth/message", {"address": account.address}).get_json()
        answer = self.post(
            "/auth/verify", {"message": issued["message"], "signature": sign(issued["message"], account)}
        )
        self.reload()  # the page reloads after sign-in: a new session, a new token
        return answer


def sign(text: str, account: Any) -> str:
    """personal_sign of `text` by an ape test account (what the wallet does)."""
    return "0x" + Account.sign_message(encode_defunct(text=text), account.private_key).signature.hex().removeprefix(
        "0x"
    )


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app)


def send_as_wallet(sdk: Any, tx: dict[str, str]) -> str:
    """Sends the `eth_sendTransaction` parameters the server built, as the wallet does (ape's accounts are unlocked
    on its in-process chain); the hash."""
    sent = sdk.w3.eth.send_transaction(
        {"from": tx["from"], "to": tx["to"], "data": tx["data"], "gas": int(tx["gas"], 16)}
    )
    return str(sent.to_0x_hex())


def match_order(
    sdk: Any, signer_of: Any, servicer: Any, matcher: Any, order_id: int, *, twin: int | None = None
) -> int:
    """Matches `order_id` by hand (a matcher's publishMatches) to `twin`, or to a new printer twin of `servicer`
    large enough for any sample order; the twin's id."""
    from offchain.chain.records import MatchInput
    from offchain.types import Capability, TwinKind

    if twin is None:
        catalogue = sdk.twin_registry.catalogue()
        masks = [sum(1 << code for code in codes) for codes in (catalogue.materials, catalogue.colours)]
        capability = Capability(300_000, 300_000, 300_000, 50, *masks)
        tx = sdk.twin_registry.build_publish(TwinKind.PRINTER, capability, b"\x11" * 32, "bafkreitwin",
                                             sender=servicer.address)  # fmt: skip
        twin = int(sdk.twin_registry.published_id(signer_of(servicer).transact(tx).receipt))
    ledger = sdk.match_ledger
    rule = ledger.build_register_rule("by-hand", b"\x05" * 32, "bafkrule", sender=matcher.address)
    rule_id, version = ledger.registered(signer_of(matcher).transact(rule).receipt)
    start = int(sdk.w3.eth.get_block("latest")["timestamp"]) + 60
    item = MatchInput(order_id, twin, rule_id, version, start, 3600, "bafkgcode")
    signer_of(matcher).transact(ledger.build_publish(b"\x06" * 32, "bafkinput", [item], sender=matcher.address))
    return twin
