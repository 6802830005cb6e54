// The dev wallet — offered on the local dev network only (the page loads this file nowhere else). A key generated in
// this browser and kept in its localStorage, signing through the same EIP-1193 interface as MetaMask, so every page
// works unchanged. It signs without asking: it holds dev coins of a dev chain, never anything of value.
// secp256k1 and keccak-256 are the audited noble libraries, vendored from npm by tools/install.sh.
import * as secp from "./vendor/noble-secp256k1@3.2.0/index.js";
import { keccak_256 } from "./vendor/noble-hashes@2.4.0/sha3.js";

const chainId = Number(document.body.dataset.chainId);
const STORE = `imse.devWallet.key.${chainId}`;
const CHOICE = "imse.wallet";

// ------------------------------------------------------------------------------------------------ bytes
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
function fromHex(text) {
  const hex = text.startsWith("0x") ? text.slice(2) : text;
  if (hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new Error(`not hex: ${text}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}
function quantity(value) { // an integer (BigInt, number or hex string) as minimal big-endian bytes (0 → empty)
  let n = typeof value === "bigint" ? value : BigInt(value || 0);
  if (n < 0n) throw new Error("negative quantity");
  let hex = n.toString(16);
  if (n === 0n) return new Uint8Array(0);
  if (hex.length % 2) hex = `0${hex}`;
  return fromHex(hex);
}

// ------------------------------------------------------------------------------------------------ RLP
function rlpLength(length, offset) {
  if (length < 56) return Uint8Array.of(offset + length);
  const bytes = quantity(BigInt(length));
  return concat(Uint8Array.of(offset + 55 + bytes.length), bytes);
}
function rlp(item) {
  if (Array.isArray(item)) {
    const body = concat(...item.map(rlp));
    return concat(rlpLength(body.length, 0xc0), body);
  }
  if (item.length === 1 && item[0] < 0x80) return item;
  return concat(rlpLength(item.length, 0x80), item);
}

// ------------------------------------------------------------------------------------------------ key
function secret() {
  const stored = localStorage.getItem(STORE);
  return stored ? fromHex(stored) : null;
}
function addressOf(key) {
  const publicKey = secp.getPublicKey(key, false); // 0x04 ‖ x ‖ y
  return `0x${toHex(keccak_256(publicKey.slice(1)).slice(12))}`;
}
async function signDigest(digest) {
  const signature = await secp.signAsync(digest, secret(), { prehash: false, format: "recovered" }); // rec ‖ r ‖ s
  return { recovery: signature[0], r: signature.slice(1, 33), s: signature.slice(33, 65) };
}

// ------------------------------------------------------------------------------------------------ node
async function rpc(method, params = []) {
  const response = await fetch("/rpc", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) { const err = new Error(answer.error.message); err.code = answer.error.code; throw err; }
  return answer.result;
}

function error(code, message) { const err = new Error(message); err.code = code; return err; }

// ------------------------------------------------------------------------------------------------ EIP-1193
async function personalSign(messageHex, who) {
  const address = addressOf(secret());
  if (String(who).toLowerCase() !== address) throw error(4100, "The dev wallet does not hold that account.");
  const message = fromHex(messageHex);
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${message.length}`);
  const { recovery, r, s } = await signDigest(keccak_256(concat(prefix, message)));
  return `0x${toHex(r)}${toHex(s)}${(27 + recovery).toString(16)}`;
}

async function sendTransaction(tx) {
  const address = addressOf(secret());
  if (String(tx.from).toLowerCase() !== address) throw error(4100, "The dev wallet does not hold that account.");
  if (tx.chainId && Number(tx.chainId) !== chainId) throw error(-32602, `chainId ${tx.chainId} is not ${chainId}`);
  const [nonce, block, tip] = await Promise.all([
    rpc("eth_getTransactionCount", [address, "pending"]),
    rpc("eth_getBlockByNumber", ["latest", false]),
    rpc("eth_maxPriorityFeePerGas"),
  ]);
  const gas = tx.gas || await rpc("eth_estimateGas", [{ from: address, to: tx.to, data: tx.data, value: tx.value }]);
  const maxFee = 2n * BigInt(block.baseFeePerGas || 0) + BigInt(tip);
  const fields = [quantity(BigInt(chainId)), quantity(nonce), quantity(tip), quantity(maxFee), quantity(gas),
    tx.to ? fromHex(tx.to) : new Uint8Array(0), quantity(tx.value || 0), fromHex(tx.data || "0x"), []];
  const { recovery, r, s } = await signDigest(keccak_256(concat(Uint8Array.of(2), rlp(fields))));
  const raw = concat(Uint8Array.of(2), rlp([...fields, quantity(BigInt(recovery)), quantity(BigInt(`0x${toHex(r)}`)),
    quantity(BigInt(`0x${toHex(s)}`))]));
  return rpc("eth_sendRawTransaction", [`0x${toHex(raw)}`]);
}

const listeners = {};
const provider = {
  isImseDevWallet: true,
  async request({ method, params = [] }) {
    if (!secret()) throw error(4100, "No dev wallet in this browser yet.");
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [addressOf(secret())];
      case "eth_chainId":
        return `0x${chainId.toString(16)}`;
      case "wallet_switchEthereumChain":
      case "wallet_addEthereumChain":
        if (Number(params[0] && params[0].chainId) === chainId) return null;
        throw error(4902, "The dev wallet knows only this site's dev network.");
      case "personal_sign":
        return personalSign(params[0], params[1]);
      case "eth_sendTransaction":
        return sendTransaction(params[0]);
      default:
        return rpc(method, params);
    }
  },
  on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); return provider; },
  removeListener(name, fn) { listeners[name] = (listeners[name] || []).filter((f) => f !== fn); return provider; },
};

window.imseDevWallet = {
  provider,
  chosen: () => localStorage.getItem(CHOICE) === "dev" && Boolean(secret()),
  address: () => (secret() ? addressOf(secret()) : null),
  use() { // creates the key on first use; from then on the pages sign with it
    if (!secret()) localStorage.setItem(STORE, toHex(secp.utils.randomSecretKey()));
    localStorage.setItem(CHOICE, "dev");
    return addressOf(secret());
  },
  leave() { localStorage.removeItem(CHOICE); }, // back to the browser's wallet; the key stays for next time
};
