"""TwinRegistry: the catalogue, twins (records, documents' CIDs), status and operators."""

from __future__ import annotations

from typing import Any

from offchain.chain.contract import ContractWrapper, UnsignedTx
from offchain.chain.records import TwinRecord
from offchain.exceptions import TwinNotFoundError
from offchain.types import Capability, Catalogue, CatalogueKind, TwinKind, TwinStatus


class TwinRegistry(ContractWrapper):
    NAME = "TwinRegistry"

    # ------------------------------------------------------------------------------------------ catalogue

    def catalogue(self) -> Catalogue:
        """The material / colour catalogue now: rebuilt from CatalogueEntryAdded / Removed, the latest event per
        code winning (the one module that reads it)."""
        entries: dict[tuple[int, int], tuple[tuple[int, int], str | None]] = {}
        for event in ("CatalogueEntryAdded", "CatalogueEntryRemoved"):
            for log in self.logs(event):
                key = (int(log["args"]["kind"]), int(log["args"]["code"]))
                name = str(log["args"]["name"]) if event == "CatalogueEntryAdded" else None
                position = (int(log["blockNumber"]), int(log["logIndex"]))
                if key not in entries or entries[key][0] < position:
                    entries[key] = (position, name)
        materials = {c: n for (k, c), (_, n) in entries.items() if k == CatalogueKind.MATERIAL and n is not None}
        colours = {c: n for (k, c), (_, n) in entries.items() if k == CatalogueKind.COLOUR and n is not None}
        return Catalogue(dict(sorted(materials.items())), dict(sorted(colours.items())))

    def build_add_catalogue_entry(self, kind: CatalogueKind, code: int, name: str, *, sender: str) -> UnsignedTx:
        return self._build("addCatalogueEntry", int(kind), code, name, sender=sender)

    def build_remove_catalogue_entry(self, kind: CatalogueKind, code: int, *, sender: str) -> UnsignedTx:
        return self._build("removeCatalogueEntry", int(kind), code, sender=sender)

    # ------------------------------------------------------------------------------------------ twins

    def count(self) -> int:
        return int(self._read("twinCount"))

    def twin(self, twin_id: int) -> TwinRecord:
        """The twin's record; TwinNotFoundError when there is none."""
        if not 1 <= twin_id <= self.count():
            raise TwinNotFoundError(twin_id)
        return TwinRecord.from_abi(twin_id, self._read("getTwin", twin_id))

    def twins(self) -> list[TwinRecord]:
        return [TwinRecord.from_abi(i, self._read("getTwin", i)) for i in range(1, self.count() + 1)]

    def is_operator(self, twin_id: int, account: str) -> bool:
        return bool(self._read("isOperator", twin_id, account))

    def operators(self, twin_id: int) -> list[str]:
        """The twin's operators now (from TwinOperatorSet events, checked against isOperator)."""
        seen: dict[str, None] = {}
        for log in self.logs("TwinOperatorSet", twinId=twin_id):
            seen[str(log["args"]["operator"])] = None
        return [a for a in seen if self.is_operator(twin_id, a)]

    def spec_cids(self, twin_id: int) -> list[tuple[int, bytes, str, str | None]]:
        """(version, spec digest, spec CID, patch CID) of every version, from TwinPublished / TwinUpdated."""
        versions: list[tuple[int, bytes, str, str | None]] = [
            (1, bytes(log["args"]["specDigest"]), str(log["args"]["specCid"]), None)
            for log in self.logs("TwinPublished", twinId=twin_id)
        ]
        versions += [
            (int(log["args"]["version"]), bytes(log["args"]["specDigest"]), str(log["args"]["specCid"]),
             str(log["args"]["patchCid"]))
            for log in self.logs("TwinUpdated", twinId=twin_id)
        ]  # fmt: skip
        return sorted(versions)

    def current_cid(self, twin_id: int, digest: bytes | None = None) -> str:
        """The CID of the twin's current document (or of the version whose digest is `digest`)."""
        versions = self.spec_cids(twin_id)
        if digest is not None:
            versions = [v for v in versions if v[1] == digest]
        if not versions:
            raise TwinNotFoundError(twin_id)
        return versions[-1][2]

    def build_publish(
        self, kind: TwinKind, capability: Capability, digest: bytes, cid: str, *, sender: str
    ) -> UnsignedTx:
        return self._build("publishTwin", int(kind), capability.as_tuple(), digest, cid, sender=sender)

    def build_update(
        self, twin_id: int, expected_version: int, capability: Capability, digest: bytes, cid: str, patch_cid: str,
        *, sender: str,
    ) -> UnsignedTx:  # fmt: skip
        return self._build(
            "updateTwin", twin_id, expected_version, capability.as_tuple(), digest, cid, patch_cid, sender=sender
        )

    def build_set_status(self, twin_id: int, status: TwinStatus, *, sender: str) -> UnsignedTx:
        return self._build("setTwinStatus", twin_id, int(status), sender=sender)

    def build_set_operator(self, twin_id: int, operator: str, allowed: bool, *, sender: str) -> UnsignedTx:
        return self._build("setOperator", twin_id, operator, allowed, sender=sender)

    def published_id(self, receipt: Any) -> int:
        """The twin id a publishTwin receipt created."""
        return int(self.events_of(receipt, "TwinPublished")[0]["args"]["twinId"])
