"""Matching rules on chain, both ways: a spec is validated, stored on IPFS as canonical JSON and its digest
registered in MatchLedger (a new rule, or a new version of one); a registered version is loaded back from IPFS and
checked against that digest before the engine uses it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from offchain.canonical import canonical_bytes
from offchain.chain.connection import Chain
from offchain.chain.contract import UnsignedTx
from offchain.chain.records import Rule
from offchain.chain.signer import Signer
from offchain.exceptions import ImseError
from offchain.matching.rules import parse_rule
from offchain.storage.base import Storage, fetch_verified


@dataclass
class RuleRef:
    rule_id: int
    version: int
    spec: dict[str, Any]


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


def load_rule(chain: Chain, storage: Storage, rule_id: int, version: int | None = None) -> RuleRef:
    """A registered rule's spec from IPFS, checked against its digest on chain (latest version by default)."""
    ledger = chain.match_ledger
    version = version or ledger.latest_rule_version(rule_id)
    if version == 0:
        raise ImseError(f"no rule {rule_id} is registered (register one: `ape run matcher rules register FILE`)")
    found = [r for r in ledger.rules(rule_id) if r.version == version]
    if not found:
        raise ImseError(f"rule {rule_id} has no version {version} (see `ape run matcher rules list`)")
    digest = ledger.rule_spec_digest(rule_id, version)
    return RuleRef(rule_id, version, json.loads(fetch_verified(storage, found[-1].spec_cid, digest)))
