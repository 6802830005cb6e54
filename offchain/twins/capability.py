"""The capability summary a twin document gives the chain (TwinRegistry.Capability) — the one place that decides
the mapping from documents to what matching checks.

| kind           | build x / y / z (µm)              | accuracy (µm)       | materials        | colours           |
|----------------|-----------------------------------|---------------------|------------------|-------------------|
| printer        | buildVolume x / y / z             | accuracy            | materials        | colours           |
| laser_engraver | workArea x / y, maxThickness      | accuracy            | materials        | all (any colour)  |
| material_spool | spool diameter / diameter / width | diameterTolerance   | {material}       | {colour}          |
| tool           | workEnvelope x / y / z            | accuracy            | materials        | all (any colour)  |
| worker         | skills.maxPartSize x / y / z      | skills.accuracy     | skills.materials | all (any colour)  |

Material and colour names are looked up in the on-chain catalogue (case-insensitive); a name that is not there is
a validation error, since TwinRegistry would refuse the capability anyway.
"""

from __future__ import annotations

from typing import Any

from offchain.exceptions import TwinValidationError
from offchain.types import Capability, Catalogue

UM_PER_MM = 1000


def _um(value: float) -> int:
    return round(float(value) * UM_PER_MM)


def capability_of(document: dict[str, Any], catalogue: Catalogue) -> Capability:
    """The capability summary of a valid document (validate it first: see offchain.twins.schema.validate)."""
    kind = document["kind"]
    if kind == "printer":
        volume = document["buildVolume"]
        return Capability(
            _um(volume["x"]), _um(volume["y"]), _um(volume["z"]), _um(document["accuracy"]),
            catalogue.material_mask(document["materials"], "materials"),
            catalogue.colour_mask(document["colours"], "colours"),
        )  # fmt: skip
    if kind == "laser_engraver":
        area = document["workArea"]
        return Capability(
            _um(area["x"]), _um(area["y"]), _um(document["maxThickness"]), _um(document["accuracy"]),
            catalogue.material_mask(document["materials"], "materials"), catalogue.all_colours(),
        )  # fmt: skip
    if kind == "material_spool":
        spool = document["spool"]
        return Capability(
            _um(spool["diameter"]), _um(spool["diameter"]), _um(spool["width"]), _um(document["diameterTolerance"]),
            catalogue.material_mask([document["material"]], "material"),
            catalogue.colour_mask([document["colour"]], "colour"),
        )  # fmt: skip
    if kind == "tool":
        envelope = document["workEnvelope"]
        return Capability(
            _um(envelope["x"]), _um(envelope["y"]), _um(envelope["z"]), _um(document["accuracy"]),
            catalogue.material_mask(document["materials"], "materials"), catalogue.all_colours(),
        )  # fmt: skip
    if kind == "worker":
        skills = document["skills"]
        size = skills["maxPartSize"]
        return Capability(
            _um(size["x"]), _um(size["y"]), _um(size["z"]), _um(skills["accuracy"]),
            catalogue.material_mask(skills["materials"], "skills.materials"), catalogue.all_colours(),
        )  # fmt: skip
    raise TwinValidationError([f"kind: no capability mapping for {kind!r}"])
