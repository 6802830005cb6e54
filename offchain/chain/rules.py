"""Matching rules on chain: a spec is validated, stored on IPFS as canonical JSON, and its digest registered in
MatchLedger (a new rule, or a new version of one)."""

from __future__ import annotations

import hashlib
from typing import Any

from offchain.canonical import canonical_bytes
from offchain.chain.connection import Chain
from offchain.chain.contract import UnsignedTx
from offchain.chain.records import Rule
from offchain.chain.signer import Signer
from offchain.matching.rules import parse_rule
from offchain.storage.base import Storage


def register_rule(
    chain: Chain, signer: Signer, storage: Storage, spec: dict[str, Any], *, rule_id: int | None = None
) -> Rule:
    """Registers `spec` (ConfigError when it is not a valid rule; nothing is stored or sent then)."""
    name = parse_rule(spec).name
    data = canonical_bytes(spec)
    digest = hashlib.sha256(data).digest()
    ledger = chain.match_ledger

    def build(cid: str) -> UnsignedTx:
        if rule_id is None:
            return ledger.build_register_rule(name, digest, cid, sender=signer.address)
        return ledger.build_register_rule_version(rule_id, digest, cid, sender=signer.address)

    build("upload-pending")  # simulated first: a refusal (wrong caller, unknown rule) stops before the upload
    cid = storage.add(data)
    tx = build(cid)
    new_id, version = ledger.registered(signer.transact(tx).receipt)
    return Rule(new_id, version, name, digest, cid)
