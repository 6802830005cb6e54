"""Export of the four contracts' ABIs to the top-level interfaces/ folder.

The files are generated, checked in, and kept in sync by a test, so tools in any language can use the ABIs
without compiling the contracts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offchain.exceptions import AbiError
from offchain.types import CONTRACT_NAMES


def render_abi(contract_type: Any) -> str:
    """The ABI of an ethpm-types ContractType as stable, pretty JSON text."""
    abi = [entry.model_dump(mode="json", by_alias=True, exclude_none=True) for entry in contract_type.abi]
    return json.dumps(abi, indent=2, sort_keys=True) + "\n"


def rendered_abis(project: Any) -> dict[str, str]:
    """File name → JSON text for every deployable contract of an ape project."""
    return {f"{name}.json": render_abi(getattr(project, name).contract_type) for name in CONTRACT_NAMES}


def stale_files(project: Any, folder: Path) -> list[str]:
    """Names of the files under `folder` that are missing or differ from the compiled ABIs."""
    stale = []
    for file_name, text in rendered_abis(project).items():
        path = folder / file_name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(file_name)
    return stale


def export(project: Any, folder: Path) -> list[str]:
    """Writes every ABI that changed; returns the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = stale_files(project, folder)
    rendered = rendered_abis(project)
    for file_name in written:
        (folder / file_name).write_text(rendered[file_name], encoding="utf-8")
    return written


def check(project: Any, folder: Path) -> None:
    """Raises AbiError when any exported ABI is missing or stale."""
    if stale := stale_files(project, folder):
        raise AbiError(stale)
