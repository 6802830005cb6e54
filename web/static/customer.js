// The customer explorer's page logic: field errors from htmx requests shown next to their field, and the publish
// flow (server builds and simulates → wallet confirms → submitted → mined / failed, the server asked each second).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

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

  function stage(kind, text, link, where = "tx-status") {
    const box = $(where);
    box.hidden = false;
    box.className = `tx ${kind}`;
    box.textContent = text;
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = `/explorer/tx/${link}`;
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
      stage("error", err.message || String(err));
    } finally {
      button.disabled = false;
    }
  }

  // Cancel an unmatched order: the server simulates (a refusal comes back decoded, the wallet stays closed), the
  // wallet sends, /api/tx says how it ended; the row itself changes when the index pushes the table.
  async function cancelOrder(id) {
    const say = (kind, text, link) => stage(kind, text, link, "orders-status");
    try {
      say("info", `Checking the cancellation of order #${id}…`);
      const built = await window.imseWallet.api(`/customer/orders/${id}/cancel`);
      const hash = await window.imseWallet.send(built.tx, (kind, text) => say("info", text));
      say("info", `Cancellation of #${id} submitted: waiting for the next block…`, hash);
      for (;;) {
        const state = await (await fetch(`/api/tx/${hash}`, { credentials: "same-origin" })).json();
        if (state.state === "mined") { say("ok", `Order #${id} cancelled in block ${state.block}:`, hash); return; }
        if (state.state === "failed") { say("error", `The cancellation failed: ${state.error}`, hash); return; }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } catch (err) {
      say("error", err.message || String(err));
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-cancel]");
    if (button) cancelOrder(button.dataset.cancel);
  });

  document.addEventListener("DOMContentLoaded", () => {
    const button = $("publish-cart");
    if (button) button.addEventListener("click", publish);
  });
  window.imseCustomer = { cancelOrder };
})();
