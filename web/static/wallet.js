// imseStudio's wallet glue: EIP-1193 provider (the dev wallet when chosen on the dev network, else one found by
// EIP-6963 discovery, else window.ethereum), the right chain (switch, or add on 4902 with /api/chain's parameters),
// Sign-In with Ethereum of the server's exact message, the wallet's events, the first-run guide's wallet steps and
// the field errors of htmx requests. No chain library: the server builds, simulates and decodes; the wallet signs.
"use strict";

(() => {
  const body = document.body;
  const pageChainId = Number(body.dataset.chainId);
  const sessionAddress = (body.dataset.sessionAddress || "").toLowerCase();
  const devNetwork = body.dataset.devNetwork === "true";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const discovered = [];

  // ---------------------------------------------------------------------------------------------- provider
  window.addEventListener("eip6963:announceProvider", (event) => {
    if (event.detail && event.detail.provider) discovered.push(event.detail);
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));

  const devWallet = () => (devNetwork && window.imseDevWallet) || null; // devwallet.js is loaded on the dev network only

  function provider() {
    if (devWallet() && devWallet().chosen()) return devWallet().provider;
    if (discovered.length) return discovered[0].provider;
    return window.ethereum || null;
  }

  // ---------------------------------------------------------------------------------------------- messages
  function notice(text, kind = "info") {
    const box = $("notice");
    box.textContent = text;
    box.className = `notice ${kind}`;
    box.hidden = !text;
  }

  function explain(err) {
    if (err && err.code === 4001) return "You rejected the request in your wallet. Nothing was changed; you can try again.";
    if (err && err.code === -32002) return "Your wallet already has a request open: look at the wallet window.";
    if (err && err.message) return err.message;
    return String(err);
  }

  async function api(path, payload) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload || {}),
    });
    const data = await response.json().catch(() => ({ message: `${response.status} ${response.statusText}` }));
    if (!response.ok) {
      const err = new Error(data.message || `request failed (${response.status})`);
      Object.assign(err, { status: response.status, error: data.error, details: data.details || {} });
      throw err;
    }
    return data;
  }

  // ---------------------------------------------------------------------------------------------- state
  let account = null;
  let walletChainId = null;

  function show(id, visible) {
    const element = $(id);
    if (element) element.hidden = !visible;
  }

  function tick(id, done) {
    const item = $(id);
    if (item) item.dataset.done = String(Boolean(done));
  }

  function render() {
    const wallet = provider();
    const rightChain = walletChainId === pageChainId;
    const usingDev = Boolean(devWallet() && devWallet().chosen());
    show("connect", !sessionAddress && !account);
    show("dev-wallet", Boolean(devWallet()) && !sessionAddress && !usingDev);
    show("leave-dev-wallet", usingDev && !sessionAddress);
    show("add-network", Boolean(account) && !rightChain);
    show("sign-in", Boolean(account) && rightChain && !sessionAddress);
    show("sign-out", Boolean(sessionAddress));
    const status = $("wallet-status");
    if (sessionAddress && usingDev && !status.dataset.dev) {
      status.append(" · dev wallet");
      status.dataset.dev = "true";
    }
    tick("guide-wallet", wallet || sessionAddress);
    tick("guide-network", rightChain || sessionAddress);
    if (!wallet && !sessionAddress) {
      status.textContent = devWallet() ? "No browser wallet found: use a dev wallet" : "No browser wallet found";
    } else if (account && !rightChain) {
      status.textContent = `Wallet on chain ${walletChainId}, not ${pageChainId}`;
      status.classList.add("warn");
    } else if (account && !sessionAddress) {
      status.textContent = `${usingDev ? "Dev wallet" : "Connected"} ${account.slice(0, 6)}…${account.slice(-4)}`;
      status.classList.remove("warn");
    }
  }

  async function refresh() {
    const wallet = provider();
    if (!wallet) return render();
    try {
      const accounts = await wallet.request({ method: "eth_accounts" });
      account = accounts && accounts.length ? accounts[0] : null;
      walletChainId = Number(await wallet.request({ method: "eth_chainId" }));
    } catch (err) {
      notice(explain(err), "error");
    }
    render();
  }

  // ---------------------------------------------------------------------------------------------- actions
  async function connect() {
    const wallet = provider();
    if (!wallet) {
      notice(devWallet()
        ? "No browser wallet found. Press “Use a dev wallet” (this dev network only), or install MetaMask and reload."
        : "No browser wallet found. Install MetaMask (or another EIP-1193 wallet) and reload this page.", "error");
      return;
    }
    try {
      const accounts = await wallet.request({ method: "eth_requestAccounts" });
      account = accounts[0] || null;
      walletChainId = Number(await wallet.request({ method: "eth_chainId" }));
      notice("");
    } catch (err) {
      notice(explain(err), "error");
    }
    render();
  }

  async function switchChain() {
    const wallet = provider();
    const chainHex = `0x${pageChainId.toString(16)}`;
    try {
      await wallet.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chainHex }] });
    } catch (err) {
      if (err && err.code === 4902) {
        try {
          const parameters = await (await fetch("/api/chain", { credentials: "same-origin" })).json();
          await wallet.request({ method: "wallet_addEthereumChain", params: [parameters] });
        } catch (addErr) {
          notice(explain(addErr), "error");
          return;
        }
      } else {
        notice(explain(err), "error");
        return;
      }
    }
    walletChainId = Number(await wallet.request({ method: "eth_chainId" }));
    notice("");
    render();
  }

  async function signIn() {
    const wallet = provider();
    try {
      const issued = await api("/auth/message", { address: account });
      notice("Sign the message in your wallet (it costs nothing and sends no transaction).", "info");
      const hex = `0x${Array.from(new TextEncoder().encode(issued.message), (b) => b.toString(16).padStart(2, "0")).join("")}`;
      const signature = await wallet.request({ method: "personal_sign", params: [hex, account] });
      await api("/auth/verify", { message: issued.message, signature });
      window.location.reload();
    } catch (err) {
      notice(explain(err), "error");
    }
  }

  async function useDevWallet() {
    const address = devWallet().use();
    await refresh();
    notice(`Dev wallet ${address.slice(0, 6)}…${address.slice(-4)} ready: a key kept in this browser for this dev ` +
      "network only. Now press Sign in.", "info");
  }

  async function signOut() {
    try {
      await api("/auth/logout");
    } finally {
      window.location.reload();
    }
  }

  // ---------------------------------------------------------------------------------------------- events
  function watch() {
    const wallet = provider();
    if (!wallet || !wallet.on) return;
    wallet.on("accountsChanged", async (accounts) => {
      const next = accounts && accounts.length ? accounts[0].toLowerCase() : null;
      if (sessionAddress && next !== sessionAddress) {
        // never act as another account: the session ends, the page asks to sign in again
        await api("/auth/logout").catch(() => {});
        window.location.reload();
        return;
      }
      account = next;
      render();
    });
    wallet.on("chainChanged", () => window.location.reload());
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("connect").addEventListener("click", connect);
    $("add-network").addEventListener("click", switchChain);
    $("sign-in").addEventListener("click", signIn);
    $("sign-out").addEventListener("click", signOut);
    if ($("dev-wallet")) $("dev-wallet").addEventListener("click", useDevWallet);
    if ($("leave-dev-wallet")) {
      $("leave-dev-wallet").addEventListener("click", () => { devWallet().leave(); window.location.reload(); });
    }
    guide();
    // announcements arrive asynchronously; ask again once the page is ready
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    watch();
    refresh().finally(() => { body.dataset.walletReady = "true"; }); // listeners on, state read: tests wait for it
  });

  // ---------------------------------------------------------------------------------------------- transactions
  // Pre-flight (a wallet, the signed-in account, the right chain), then the wallet's confirmation. The server has
  // already simulated the call (a refusal never reaches the wallet); returns the hash, or throws with a plain reason.
  async function send(tx, onStage) {
    const wallet = provider();
    if (!wallet) throw new Error("No browser wallet found: install MetaMask (or another EIP-1193 wallet).");
    const accounts = await wallet.request({ method: "eth_accounts" });
    const from = accounts && accounts.length ? accounts[0].toLowerCase() : null;
    if (!from) throw new Error("Connect your wallet first.");
    if (from !== tx.from.toLowerCase()) {
      throw new Error(`Your wallet is on account ${from}, but you signed in as ${tx.from}: switch back in the wallet.`);
    }
    const chainId = Number(await wallet.request({ method: "eth_chainId" }));
    if (chainId !== pageChainId) throw new Error(`Your wallet is on chain ${chainId}: switch to chain ${pageChainId} first.`);
    onStage("confirm", "Confirm the transaction in your wallet…");
    try {
      return await wallet.request({ method: "eth_sendTransaction", params: [tx] });
    } catch (err) {
      throw new Error(explain(err));
    }
  }

  // ---------------------------------------------------------------------------------------------- first-run guide
  // Ticked from the real state: wallet and network here (render), sign-in, gas and first order by the server; gas
  // again whenever the gas card changes (a drip arrived). Dismissed for this browser; the footer link brings it back.
  function guide() {
    const box = $("guide");
    const hidden = localStorage.getItem("imse.guide.hidden") === "1";
    if (box) box.hidden = hidden;
    if ($("guide-hide")) $("guide-hide").addEventListener("click", () => {
      localStorage.setItem("imse.guide.hidden", "1");
      box.hidden = true;
      show("guide-show", true);
    });
    show("guide-show", Boolean(box) && hidden);
    if ($("guide-show")) $("guide-show").addEventListener("click", () => {
      localStorage.removeItem("imse.guide.hidden");
      box.hidden = false;
      show("guide-show", false);
    });
  }

  document.body.addEventListener("htmx:afterSettle", () => {
    const card = $("gas");
    if (card) tick("guide-gas", BigInt(card.dataset.balanceWei || "0") > 0n);
  });

  // ---------------------------------------------------------------------------------------------- htmx errors
  // A refused htmx request answers with the JSON error shape: show its message next to the field it names.
  document.body.addEventListener("htmx:responseError", (event) => {
    let error;
    try { error = JSON.parse(event.detail.xhr.responseText); } catch (e) { error = { message: event.detail.xhr.statusText }; }
    const form = event.detail.elt.closest("form") || event.detail.elt.closest("section");
    form.querySelectorAll(".field-error").forEach((old) => old.remove());
    const message = document.createElement("p");
    message.className = "field-error";
    message.setAttribute("role", "alert");
    message.textContent = error.message || "refused";
    const field = error.field && form.querySelector(`[name="${error.field}"]`);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.insertAdjacentElement("afterend", message);
    } else {
      form.appendChild(message);
    }
  });
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt.closest("form");
    if (form) form.querySelectorAll(".field-error").forEach((old) => old.remove());
  });

  window.imseWallet = { provider, notice, explain, api, send };
})();
