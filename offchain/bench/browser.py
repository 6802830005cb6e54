"""Driving the web pages from Python (the browser tests and `ape run bench web`): Debian's Chromium through Playwright,
and an injected EIP-1193 test wallet — the page's code talks to it exactly as to MetaMask, while keys and signing live
in Python (eth-account). It keeps MetaMask's rules, so a bad page or a bad /api/chain fails here too:

- `wallet_addEthereumChain` only with an https RPC URL or http on localhost / 127.0.0.1, and only when that RPC
  answers `eth_chainId` with the chain id given; error 4902 from `wallet_switchEthereumChain` for unknown chains;
- accounts only after `eth_requestAccounts`; `personal_sign` only for the connected account;
- any request can be set to be rejected by the user (4001).

Sync Playwright answers the binding only while the test is inside a Playwright call: wait with `expect(...)`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct

CHROMIUM = "/usr/bin/chromium"  # Debian's (tools/install.sh installs it; Playwright cannot download one here)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-unsafe-swiftshader",  # WebGL (3D previews) in software, without the deprecation fallback
]  # fmt: skip
USER_REJECTED = 4001
UNRECOGNISED_CHAIN = 4902

INIT_SCRIPT = """
(() => {
  const listeners = {};
  const emit = (name, value) => (listeners[name] || []).forEach((fn) => { try { fn(value); } catch (e) {} });
  const provider = {
    isMetaMask: false, isImseTestWallet: true,
    async request({ method, params }) {
      const answer = JSON.parse(await window.__imseWallet(JSON.stringify({ method, params: params || [] })));
      (answer.events || []).forEach(([name, value]) => setTimeout(() => emit(name, value), 0));
      if (answer.error) { const err = new Error(answer.error.message); err.code = answer.error.code; throw err; }
      return answer.result;
    },
    on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); return provider; },
    removeListener(name, fn) { listeners[name] = (listeners[name] || []).filter((f) => f !== fn); return provider; },
  };
  const info = {
    uuid: "8c8f3d7e-imse-test-wallet", name: "imse test wallet", icon: "data:image/svg+xml,<svg/>",
    rdns: "org.imse.testwallet",
  };
  const detail = Object.freeze({ info, provider });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  window.addEventListener("eip6963:requestProvider", announce);
  window.__imseWalletEmit = emit;  // the test's hand on the wallet: e.g. the user switches account
  announce();
})();
"""


class RpcUnreachableError(Exception):
    """The RPC URL of a chain being added did not answer (MetaMask's "Could not fetch chain ID")."""


class TestWallet:
    __test__ = False  # not a test class

    def __init__(self, key: str | None = None, *, chain_id: int = 1) -> None:
        self.account = Account.from_key(key) if key else Account.create()
        self.chain_id = chain_id
        self.chains: dict[int, dict[str, Any]] = {1: {"rpcUrls": []}}
        self.connected = False
        self.reject: set[str] = set()
        self.requests: list[str] = []
        self.fee_cap_wei: int | None = None
        """When set, transactions go out with this fee cap (and tip): below the base fee they stay pending."""
        self.last_sent: dict[str, Any] | None = None

    @property
    def address(self) -> str:
        return str(self.account.address)

    def switch_account(self, page: Any) -> None:
        """The user picks another account in the wallet: a new key, and `accountsChanged` on the page."""
        page.wait_for_selector("body[data-wallet-ready='true']")  # the page listens for wallet events only by then
        self.account = Account.create()
        page.evaluate("(address) => window.__imseWalletEmit('accountsChanged', [address])", self.address.lower())

    def install(self, context: Any) -> None:
        """Injects the wallet into every page of a Playwright browser context."""
        context.expose_binding("__imseWallet", lambda _source, payload: json.dumps(self.handle(json.loads(payload))))
        context.add_init_script(INIT_SCRIPT)

    def handle(self, call: dict[str, Any]) -> dict[str, Any]:
        method, params = call["method"], call.get("params") or []
        self.requests.append(method)
        if method in self.reject:
            return _error(USER_REJECTED, "User rejected the request.")
        try:
            return self._answer(method, params)
        except RpcUnreachableError as err:
            return _error(-32603, str(err))

    def _answer(self, method: str, params: list[Any]) -> dict[str, Any]:
        if method == "eth_requestAccounts":
            self.connected = True
            return {"result": [self.address.lower()]}  # MetaMask answers lower case
        if method == "eth_accounts":
            return {"result": [self.address.lower()] if self.connected else []}
        if method == "eth_chainId":
            return {"result": hex(self.chain_id)}
        if method == "wallet_switchEthereumChain":
            wanted = int(params[0]["chainId"], 16)
            if wanted not in self.chains:
                return _error(UNRECOGNISED_CHAIN, f"Unrecognized chain ID {params[0]['chainId']}.")
            return self._switch(wanted)
        if method == "wallet_addEthereumChain":
            return self._add(params[0])
        if method == "personal_sign":
            message, who = params
            if not self.connected or who.lower() != self.address.lower():
                return _error(4100, "The requested account has not been authorised by the user.")
            text = bytes.fromhex(message.removeprefix("0x")).decode()
            signature = Account.sign_message(encode_defunct(text=text), self.account.key).signature
            return {"result": "0x" + signature.hex().removeprefix("0x")}
        if method == "eth_sendTransaction":
            return self._send(params[0])
        return _error(4200, f"The test wallet does not support {method}.")

    def _rpc(self, method: str, *params: Any) -> Any:
        """A call to the current chain's RPC URL (the one the wallet was given), as MetaMask makes it."""
        url = self.chains[self.chain_id]["rpcUrls"][0]
        try:
            body = httpx.post(
                url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30
            )
            answer = body.json()
        except Exception as err:
            raise RpcUnreachableError(f"RPC {url} unreachable: {err}") from None
        if "error" in answer:
            raise RpcUnreachableError(f"RPC {method}: {answer['error'].get('message')}")
        return answer["result"]

    def _send(self, tx: dict[str, Any]) -> dict[str, Any]:
        """Signs with the wallet's key (nonce and EIP-1559 fees from the chain's RPC) and sends it raw."""
        if not self.connected or tx.get("from", "").lower() != self.address.lower():
            return _error(4100, "The requested account has not been authorised by the user.")
        if "chainId" in tx and int(tx["chainId"], 16) != self.chain_id:
            return _error(-32602, f"chainId {tx['chainId']} does not match the wallet's chain {hex(self.chain_id)}")
        unsigned = {
            "type": 2, "chainId": self.chain_id, "to": tx["to"], "data": tx.get("data", "0x"),
            "value": int(tx.get("value", "0x0"), 16), "gas": int(tx["gas"], 16),
            "nonce": int(self._rpc("eth_getTransactionCount", self.address, "pending"), 16),
        }  # fmt: skip
        if self.fee_cap_wei is not None:
            fees = {"maxPriorityFeePerGas": self.fee_cap_wei, "maxFeePerGas": self.fee_cap_wei}
        else:
            fees = self._fees()
        self.last_sent = unsigned
        return {"result": self._sign_and_send(unsigned | fees)}

    def speed_up(self) -> str:
        """What MetaMask's "Speed up" does: the last transaction again, same nonce, today's fees; its hash."""
        assert self.last_sent is not None, "nothing sent yet"
        return self._sign_and_send(self.last_sent | self._fees())

    def _fees(self) -> dict[str, int]:
        base = int(self._rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
        tip = max(int(self._rpc("eth_maxPriorityFeePerGas"), 16), 2)
        return {"maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base + tip}

    def _sign_and_send(self, transaction: dict[str, Any]) -> str:
        signed = self.account.sign_transaction(transaction)
        return str(self._rpc("eth_sendRawTransaction", "0x" + signed.raw_transaction.hex().removeprefix("0x")))

    def _add(self, chain: dict[str, Any]) -> dict[str, Any]:
        for field in ("chainId", "chainName", "nativeCurrency", "rpcUrls"):
            if field not in chain:
                return _error(-32602, f"wallet_addEthereumChain: {field} is required")
        url = chain["rpcUrls"][0]
        parsed = urlparse(url)
        if not (
            parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in ("localhost", "127.0.0.1"))
        ):
            return _error(-32602, f"rpcUrls must be https (or http on localhost): {url}")
        try:
            answer = httpx.post(
                url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=10
            )
            actual = int(answer.json()["result"], 16)
        except Exception as err:
            raise RpcUnreachableError(f"Could not fetch chain ID. Is your RPC URL correct? ({err})") from None
        wanted = int(chain["chainId"], 16)
        if actual != wanted:
            return _error(-32602, f"Chain ID returned by the RPC URL ({actual}) does not match {wanted}")
        self.chains[wanted] = chain
        return self._switch(wanted)

    def _switch(self, chain_id: int) -> dict[str, Any]:
        changed = chain_id != self.chain_id
        self.chain_id = chain_id
        return {"result": None, "events": [["chainChanged", hex(chain_id)]] if changed else []}


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def signed_in_client(web_url: str, key: str) -> httpx.Client:
    """An open HTTP client (close it: `contextlib.closing`) signed in to the web platform with `key` the way the page
    does it (CSRF token from the page,
    the server's SIWE message signed with personal_sign); its `headers` carry the CSRF token for later posts."""
    import re

    client = httpx.Client(base_url=web_url, timeout=30)
    page = client.get("/").text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    if not found:
        raise RuntimeError("the page carries no CSRF token")
    client.headers["X-CSRF-Token"] = found.group(1)
    account = Account.from_key(key)
    issued = client.post("/auth/message", json={"address": account.address}).json()
    signature = Account.sign_message(encode_defunct(text=issued["message"]), account.key).signature
    answer = client.post(
        "/auth/verify", json={"message": issued["message"], "signature": "0x" + signature.hex().removeprefix("0x")}
    )
    answer.raise_for_status()
    page = client.get("/").text  # a new session: a new token
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    client.headers["X-CSRF-Token"] = found.group(1) if found else ""
    return client
