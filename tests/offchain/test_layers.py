"""Imports never run up the layers (docs/architecture.md).

    entry points   scripts/, offchain.cli (the `imse` command), offchain.bench, web
    agents         offchain.bot (the matcher bot; next, the printer gateway)
    chain SDK      offchain.chain (connection, contract wrappers, signer, follower, twin service)
    domain         offchain.twins, offchain.matching, offchain.printing (pure: no chain, no network)
    storage        offchain.storage (the content store: interface, kubo client, in-memory fake)
    foundation     offchain.exceptions, offchain.settings, offchain.types, offchain.canonical, offchain.text,
                   offchain.process

offchain.network (geth / kubo process management) sits apart: only entry points and tests use it, and it uses only
foundation and storage. Every import statement in a module counts, also the ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "offchain"

LAYERS: dict[str, int] = {
    "offchain.cli": 0,
    "offchain.bench": 0,
    "web": 0,
    "offchain.bot": 1,
    "offchain.chain": 2,
    "offchain.twins": 3,
    "offchain.matching": 3,
    "offchain.printing": 3,
    "offchain.storage": 4,
    "offchain.exceptions": 5,
    "offchain.settings": 5,
    "offchain.types": 5,
    "offchain.canonical": 5,
    "offchain.text": 5,
    "offchain.process": 5,
    "offchain": 5,  # the package itself: __version__
}
APART = "offchain.network"
APART_MAY_USE = {4, 5}
NAMES = {0: "entry points", 1: "agents", 2: "chain SDK", 3: "domain", 4: "storage", 5: "foundation"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | str | None:
    """The layer of an `offchain` / `web` module (the longest matching prefix), APART, or None for others."""
    if module == APART or module.startswith(APART + "."):
        return APART
    best = None
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return None if best is None else LAYERS[best]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.append((node.lineno, base))
            # `from offchain import process` imports the module offchain.process
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if f"{base}.{alias.name}" in LAYERS]
    return found


def violations(paths: list[Path]) -> list[str]:
    problems = []
    for path in paths:
        mine = layer_of(module_name(path))
        for line, target in imported_modules(path):
            theirs = layer_of(target)
            if theirs is None or mine is None:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if mine == APART:
                if theirs != APART and theirs not in APART_MAY_USE:
                    problems.append(f"{where}: network management may use only storage and foundation")
            elif theirs == APART:
                if mine != 0:
                    problems.append(f"{where}: only entry points use network management")
            elif theirs < mine:
                assert isinstance(mine, int)
                assert isinstance(theirs, int)
                problems.append(f"{where}: {NAMES[mine]} must not import {NAMES[theirs]} (upward)")
    return problems


def package_files() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    web = ROOT / "web"
    return files + (sorted(web.rglob("*.py")) if web.is_dir() else [])


def test_layers__no_module_imports_upward() -> None:
    assert violations(package_files()) == []


def test_layers__every_module_has_a_layer() -> None:
    assert [str(p.relative_to(ROOT)) for p in package_files() if layer_of(module_name(p)) is None] == []


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        ("offchain/twins/bad.py", "from offchain.chain.registry import load_registry\n", "domain must not import"),
        ("offchain/storage/bad.py", "def f():\n    import offchain.matching.engine\n", "storage must not import"),
        ("offchain/chain/bad.py", "from offchain.network import manager\n", "only entry points"),
        ("offchain/network/bad.py", "from offchain.chain import deploy\n", "network management may use only"),
        ("offchain/matching/bad.py", "from offchain import bench\n", "domain must not import entry points"),
    ],
)
def test_layers__an_upward_import__is_reported(tmp_path, monkeypatch, source, code, expected) -> None:
    path = ROOT / source
    assert not path.exists()
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: code)  # the file need not exist on disk
    (problem,) = violations([path])
    assert expected in problem


def test_layers__a_downward_import__passes(monkeypatch) -> None:
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "from offchain.storage.base import cat\n")
    assert violations([ROOT / "offchain/chain/fine.py"]) == []
