"""Imports never run up the layers (docs/architecture.md).

    entry points   scripts/, offchain.cli (the `imse` command), offchain.bench, and the web's top: web.app,
                   web.serve, web.service, web.pages
    explorers      web.customer, web.ledger, web.gas — side by side: an explorer never imports another
    web platform   web.platform (settings, store, index, sign-in, errors, limits, streams, faucet, gas card)
    agents         offchain.bot (the matcher bot; next, the printer gateway) — never imported by the web
    services       offchain.services (ordering, twin service and history, rules, read models)
    chain SDK      offchain.chain (connection, wrappers, signer, transaction reader, follower)   } side by side:
    domain         offchain.twins, offchain.matching, offchain.printing (pure: no chain, no network) } neither imports
                                                                                                   the other
    storage        offchain.storage (the content store: interface, kubo client, in-memory fake)
    foundation     offchain.exceptions, offchain.settings, offchain.types, offchain.canonical, offchain.text,
                   offchain.process

offchain.network (geth / kubo process management) sits apart: only entry points and tests use it, and it uses only
foundation and storage. Every import statement in a module counts, also the ones inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "offchain"

LAYERS: dict[str, int] = {
    "offchain.cli": 0,
    "offchain.bench": 0,
    "web": 0,
    "web.customer": 1,
    "web.ledger": 1,
    "web.gas": 1,
    "web.platform": 2,
    "offchain.bot": 3,
    "offchain.services": 4,
    "offchain.chain": 5,
    "offchain.twins": 5,
    "offchain.matching": 5,
    "offchain.printing": 5,
    "offchain.storage": 6,
    "offchain.exceptions": 7,
    "offchain.settings": 7,
    "offchain.types": 7,
    "offchain.canonical": 7,
    "offchain.text": 7,
    "offchain.process": 7,
    "offchain": 7,  # the package itself: __version__
}
SIDE_BY_SIDE: dict[str, str] = {
    "web.customer": "the customer explorer",
    "web.ledger": "the ledger explorer",
    "web.gas": "the gas explorer",
    "offchain.chain": "the chain SDK",
    "offchain.twins": "domain",
    "offchain.matching": "domain",
    "offchain.printing": "domain",
}
"""Packages of one layer that must not import each other (the same name: the same group, which may)."""
NEVER: list[tuple[str, str, str]] = [("web", "offchain.bot", "the web never imports an agent")]
APART = "offchain.network"
APART_MAY_USE = {6, 7}
NAMES = {0: "entry points", 1: "explorers", 2: "web platform", 3: "agents", 4: "services", 5: "chain SDK / domain",
         6: "storage", 7: "foundation"}  # fmt: skip


def prefix_of(module: str, table: dict[str, object] | dict[str, int] | dict[str, str]) -> str | None:
    """The longest key of `table` that is `module` or a package above it."""
    best = None
    for prefix in table:
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | str | None:
    """The layer of an `offchain` / `web` module (the longest matching prefix), APART, or None for others."""
    if module == APART or module.startswith(APART + "."):
        return APART
    best = prefix_of(module, LAYERS)
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
            elif theirs == mine and (side := _side_by_side(module_name(path), target)):
                problems.append(f"{where}: {side}")
            for importer, imported, why in NEVER:
                if prefix_of(module_name(path), {importer: 0}) and prefix_of(target, {imported: 0}):
                    problems.append(f"{where}: {why}")
    return problems


def _side_by_side(module: str, target: str) -> str | None:
    """Why `module` may not import `target` of the same layer (None when it may)."""
    mine, theirs = prefix_of(module, SIDE_BY_SIDE), prefix_of(target, SIDE_BY_SIDE)
    if mine is None or theirs is None or SIDE_BY_SIDE[mine] == SIDE_BY_SIDE[theirs]:
        return None
    return f"{SIDE_BY_SIDE[mine]} must not import {SIDE_BY_SIDE[theirs]} (side by side)"


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
        ("offchain/matching/bad.py", "from offchain import bench\n", "chain SDK / domain must not import entry"),
        ("offchain/chain/bad.py", "from offchain.services.ordering import prepare_order\n", "must not import services"),
        (
            "offchain/chain/bad.py",
            "from offchain.twins.schema import validate\n",
            "the chain SDK must not import domain",
        ),
        ("offchain/matching/bad.py", "import offchain.chain.records\n", "domain must not import the chain SDK"),
        ("web/platform/bad.py", "from web.customer import bp\n", "web platform must not import explorers"),
        ("web/ledger/bad.py", "from web.customer.fit import offered\n", "the ledger explorer must not import the cus"),
        ("web/app_bad.py", "from offchain.bot.matcher import MatcherBot\n", "the web never imports an agent"),
        ("web/platform/bad.py", "def f():\n    from offchain.bot import view\n", "the web never imports an agent"),
    ],
)
def test_layers__an_upward_import__is_reported(tmp_path, monkeypatch, source, code, expected) -> None:
    path = ROOT / source
    assert not path.exists()
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: code)  # the file need not exist on disk
    (problem,) = violations([path])
    assert expected in problem


def test_web__never_touches_web3_directly() -> None:
    """The web reads the chain through the SDK (wrappers, `chain.transactions`), never through `chain.w3`."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "web").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.w3\b", line)
    ]
    assert found == []


def test_layers__a_downward_import__passes(monkeypatch) -> None:
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "from offchain.storage.base import cat\n")
    assert violations([ROOT / "offchain/chain/fine.py"]) == []
