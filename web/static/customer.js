// The customer explorer's page logic: the publish flow (server builds and simulates → wallet confirms → submitted →
// mined / failed, pushed by the server) and cancellations; "not enough gas" offers the faucet's drip at once.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  function stage(kind, text, link, where = "tx-status") {
    const box = $(where);
    box.hidden = false;
    box.className = `tx ${kind}`;
    box.textContent = text;
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = `/ledger/tx/${link}`;
      anchor.className = "mono";
      anchor.textContent = ` ${link.slice(0, 10)}…${link.slice(-6)}`;
      box.appendChild(anchor);
    }
  }

  // A publication's state, pushed by the server over SSE (`publish` events) — also to a page reloaded while its
  // transaction was pending — or asked for when the stream is down.
  const shown = {};
  function showPublish(answer) {
    if (shown[answer.publish] === `${answer.state}:${answer.hash}`) return;
    shown[answer.publish] = `${answer.state}:${answer.hash}`;
    if (answer.state === "submitted") {
      stage("info", answer.replaced ? "Sped up in your wallet: following the replacement transaction…"
        : "Submitted: waiting for the next block…", answer.hash);
    } else if (answer.state === "mined") {
      const plural = answer.orders.length > 1 ? "s" : "";
      stage("ok", `Published: order${plural} ${answer.orders.map((o) => `#${o}`).join(", ")} placed in transaction`, answer.hash);
      window.htmx.ajax("GET", "/customer/cart", { target: "#cart", swap: "outerHTML" }); // the cart, now empty
    } else if (answer.state === "failed") {
      stage("error", `The transaction failed: ${answer.error}`, answer.hash);
    }
  }

  document.body.addEventListener("htmx:sseMessage", (event) => {
    if (event.target.id === "publish-events") showPublish(JSON.parse(event.detail.data));
  });

  // A refusal in `where`; for "not enough to pay for this transaction — request gas" the faucet's button beside it
  // (when the platform runs a faucet).
  function refused(err, where = "tx-status") {
    stage("error", err.message || String(err), null, where);
    if (!(err.error === "NeedsGasError" && err.details && err.details.faucet)) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "primary request-gas";
    button.textContent = "Request gas";
    button.addEventListener("click", async () => {
      button.disabled = true;
      await window.htmx.ajax("POST", "/gas/request", { target: "#gas", swap: "outerHTML" });
      stage("info", "Gas requested: it arrives in a block or two (see Gas above); then try again.", null, where);
    });
    $(where).append(" ", button);
  }

  async function follow(publish) {
    // the SSE stream normally brings the outcome first; this slower poll covers a stream that is down
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const answer = await (await fetch(`/customer/publish/${publish}`, { credentials: "same-origin" })).json();
      showPublish(answer);
      if (answer.state !== "submitted") return;
    }
  }

  async function publish() {
    const button = $("publish-cart");
    button.disabled = true;
    try {
      stage("info", "Uploading your designs to IPFS and checking the transaction…");
      const built = await window.imseWallet.api("/customer/publish");
      const hash = await window.imseWallet.send(built.tx, (kind, text) => stage("info", text));
      stage("info", "Submitted: waiting for the next block…", hash);
      showPublish(await window.imseWallet.api(`/customer/publish/${built.publish}/submitted`, { hash }));
      follow(built.publish);
    } catch (err) {
      refused(err);
    } finally {
      button.disabled = false;
    }
  }

  // Cancel an unmatched order, or take back one its printer holds far past its estimate: the server simulates (a
  // refusal comes back decoded, the wallet stays closed), the wallet sends, /api/tx says how it ended; the row
  // itself changes when the index pushes the table.
  const ACTIONS = {
    cancel: { checking: "the cancellation", sent: "Cancellation", done: "cancelled", failed: "The cancellation" },
    reclaim: { checking: "taking back", sent: "Taking back", done: "taken back (matched again first)",
               failed: "Taking it back" },
  };

  async function orderAction(id, action) {
    const words = ACTIONS[action];
    const say = (kind, text, link) => stage(kind, text, link, "orders-status");
    try {
      say("info", `Checking ${words.checking} of order #${id}…`);
      const built = await window.imseWallet.api(`/customer/orders/${id}/${action}`);
      const hash = await window.imseWallet.send(built.tx, (kind, text) => say("info", text));
      say("info", `${words.sent} of #${id} submitted: waiting for the next block…`, hash);
      for (;;) {
        const state = await (await fetch(`/api/tx/${hash}`, { credentials: "same-origin" })).json();
        if (state.state === "mined") { say("ok", `Order #${id} ${words.done} in block ${state.block}:`, hash); return; }
        if (state.state === "failed") { say("error", `${words.failed} failed: ${state.error}`, hash); return; }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } catch (err) {
      refused(err, "orders-status");
    }
  }

  const cancelOrder = (id) => orderAction(id, "cancel");

  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-cancel]");
    if (cancel) cancelOrder(cancel.dataset.cancel);
    const reclaim = event.target.closest("[data-reclaim]");
    if (reclaim) orderAction(reclaim.dataset.reclaim, "reclaim");
  });

  document.addEventListener("DOMContentLoaded", () => {
    const button = $("publish-cart");
    if (button) button.addEventListener("click", publish);
  });
  window.imseCustomer = { cancelOrder };
})();
