"""The JSON Schemas (2020-12) of the twin kinds, and validation with every problem reported by its path.

Schemas live in offchain/twins/schemas/ (one per kind plus common.json); examples of valid documents in
offchain/twins/examples/. Beyond the schema, a few cross-field rules (a layer height thinner than the nozzle allows,
a spool with more left than it holds) are checked here too.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from offchain.canonical import canonical_bytes
from offchain.exceptions import TwinValidationError
from offchain.types import TwinKind

KINDS: dict[str, TwinKind] = {
    "printer": TwinKind.PRINTER,
    "laser_engraver": TwinKind.LASER_ENGRAVER,
    "material_spool": TwinKind.MATERIAL_SPOOL,
    "tool": TwinKind.TOOL,
    "worker": TwinKind.WORKER,
}
"""Document `kind` → the on-chain TwinKind."""

KIND_NAMES: dict[TwinKind, str] = {value: key for key, value in KINDS.items()}
MAX_DOCUMENT_BYTES = 256 * 1024


def _read(folder: str, name: str) -> Any:
    return json.loads(resources.files("offchain.twins").joinpath(folder, name).read_text())


@cache
def _validators() -> dict[str, Draft202012Validator]:
    common = _read("schemas", "common.json")
    schemas = {kind: _read("schemas", f"{kind}.json") for kind in KINDS}
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in [common, *schemas.values()]
    )
    validators = {}
    for kind, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        validators[kind] = Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
    return validators


def schema_of(kind: str) -> dict[str, Any]:
    """The JSON Schema of a kind (for documentation, editors and the explorers)."""
    if kind not in KINDS:
        raise TwinValidationError([f"kind: unknown kind {kind!r}; kinds: {', '.join(KINDS)}"])
    return dict(_read("schemas", f"{kind}.json"))


def example_of(kind: str) -> dict[str, Any]:
    """A valid example document of a kind (a starting point for new drafts)."""
    schema_of(kind)
    return dict(_read("examples", f"{kind}.json"))


def kind_of(document: Any) -> str:
    """The document's kind; TwinValidationError when it is not an object with a known `kind`."""
    if not isinstance(document, dict):
        raise TwinValidationError([f"(root): a twin document is a JSON object, not {type(document).__name__}"])
    kind = document.get("kind")
    if kind not in KINDS:
        raise TwinValidationError([f"kind: must be one of {', '.join(KINDS)}; got {kind!r}"])
    return str(kind)


def validate(document: Any) -> str:
    """Checks a document against its kind's schema and the cross-field rules; returns the kind.

    Raises TwinValidationError listing every problem as `path: message`; a document whose canonical JSON is over
    MAX_DOCUMENT_BYTES is refused first (big files go to IPFS by CID, e.g. `picture`).
    """
    size = len(canonical_bytes(document))
    if size > MAX_DOCUMENT_BYTES:
        raise TwinValidationError(
            [f"(root): the document is {size:,} bytes as canonical JSON; the limit is {MAX_DOCUMENT_BYTES:,}"]
        )
    kind = kind_of(document)
    problems = [
        f"{error.json_path.removeprefix('$.') if error.json_path != '$' else '(root)'}: {error.message}"
        for error in sorted(_validators()[kind].iter_errors(document), key=lambda e: list(map(str, e.path)))
    ]
    if not problems:
        problems = _cross_field_problems(kind, document)
    if problems:
        raise TwinValidationError(problems)
    return kind


def _cross_field_problems(kind: str, document: dict[str, Any]) -> list[str]:
    problems = []
    if kind == "printer":
        limit = 0.8 * float(document["nozzle"]["diameter"])
        for index, height in enumerate(document["layerHeights"]):
            if height > limit:
                problems.append(
                    f"layerHeights[{index}]: {height} mm is over 80% of the {document['nozzle']['diameter']} mm nozzle"
                )
    if kind == "material_spool" and document["remaining"] > document["netWeight"]:
        problems.append(f"remaining: {document['remaining']} g is more than the spool's net weight")
    return problems
