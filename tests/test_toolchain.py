"""The toolchain the installer builds: the solcjs shim behaves like solc where ape and slither need it, the Go
tools have the pinned versions, versions are pinned consistently, and a second install run changes nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.evm import PUSH0, opcodes

ROOT = Path(__file__).resolve().parents[1]
TOOLS_BIN = ROOT / ".tools" / "bin"
SHIM = ROOT / "tools" / "solc-shim.js"


def _pinned(name: str) -> str:
    match = re.search(rf'^{name}="([^"]+)"', (ROOT / "tools" / "install.sh").read_text(), re.MULTILINE)
    assert match, name
    return match.group(1)


def _run(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


# ---------------------------------------------------------------------------------------------- versions


def test_pins__solc_and_openzeppelin__agree_everywhere():
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    package = json.loads((ROOT / "package.json").read_text())["dependencies"]
    oz = next(d for d in config["dependencies"] if d["name"] == "openzeppelin")

    assert config["solidity"]["version"] == package["solc"] == _pinned("SOLC_VERSION")
    assert oz["version"] == package["@openzeppelin/contracts"]
    assert config["solidity"]["import_remapping"] == [f"@openzeppelin/contracts=openzeppelin/{oz['version']}"]
    assert config["solidity"]["evm_version"] == "paris"  # clique rejects Shanghai's PUSH0


def test_geth__is_the_pinned_clique_capable_release_with_our_recommit_floor():
    done = _run(str(TOOLS_BIN / "geth"), "version")
    assert f"Version: {_pinned('GETH_VERSION')}-stable" in done.stdout
    assert (TOOLS_BIN / "geth.build").read_text().strip() == f"{_pinned('GETH_VERSION')}+recommit100ms"


def test_geth__accepts_a_100ms_recommit_without_sanitizing(tmp_path):
    """Stock geth raises any --miner.recommit below 1 s to 1 s and says so; ours keeps 100 ms."""
    done = subprocess.run(
        [
            str(TOOLS_BIN / "geth"),
            "--datadir",
            str(tmp_path),
            "--dev",
            "--ipcdisable",
            "--port",
            "0",
            "--http",
            "--http.port",
            "0",
            "--authrpc.port",
            "0",
            "--miner.recommit",
            "100ms",
            "--exec",
            "1",
            "console",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Sanitizing miner recommit interval" not in done.stdout + done.stderr


def test_ipfs__is_the_pinned_kubo():
    assert _run(str(TOOLS_BIN / "ipfs"), "version").stdout.strip() == f"ipfs version {_pinned('KUBO_VERSION')}"


def test_prusa_slicer__is_installed():
    done = _run("prusa-slicer", "--help")
    assert "PrusaSlicer" in done.stdout + done.stderr


def test_install__second_run__builds_nothing():
    done = _run(str(ROOT / "tools" / "install.sh"))

    assert done.returncode == 0, done.stderr
    assert "Installing" not in done.stdout, done.stdout
    assert "Building" not in done.stdout, done.stdout
    assert "Toolchain ready" in done.stdout


# ---------------------------------------------------------------------------------------------- solc shim


def test_shim__linked_where_py_solc_x_looks():
    solcx = Path(os.environ["SOLCX_BINARY_PATH"])
    link = solcx / f"solc-v{_pinned('SOLC_VERSION')}"
    assert link.resolve() == SHIM.resolve()
    assert os.access(link, os.X_OK)


def test_shim__version__has_solc_format():
    out = _run(str(SHIM), "--version").stdout
    assert re.search(rf"Version: {re.escape(_pinned('SOLC_VERSION'))}\+commit\.[0-9a-f]{{8}}", out), out


def test_shim__standard_json_over_64kib__is_not_truncated():
    source = (ROOT / "node_modules/@openzeppelin/contracts/access/AccessControl.sol").read_text()
    request = {
        "language": "Solidity",
        "sources": {"@openzeppelin/contracts/access/AccessControl.sol": {"content": source}},
        "settings": {"evmVersion": "paris", "outputSelection": {"*": {"*": ["*"], "": ["ast"]}}},
    }

    done = _run(str(SHIM), "--standard-json", "--base-path", str(ROOT / "node_modules"), stdin=json.dumps(request))

    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 65_536
    output = json.loads(done.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert "AccessControl" in output["contracts"]["@openzeppelin/contracts/access/AccessControl.sol"]


def test_shim__missing_import__is_reported_as_compiler_error(tmp_path):
    request = {"language": "Solidity", "sources": {"a.sol": {"content": 'import "./missing.sol";'}}}

    done = _run(str(SHIM), "--standard-json", "--base-path", str(tmp_path), stdin=json.dumps(request))

    errors = json.loads(done.stdout)["errors"]
    assert any("missing.sol" in e["message"] for e in errors)


def test_shim__combined_json__gives_crytic_compile_layout(tmp_path):
    (tmp_path / "A.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract A { uint x; }\n"
    )

    done = _run(
        str(SHIM),
        "--combined-json",
        "abi,bin,hashes,ast,compact-format",
        "--evm-version",
        "paris",
        "A.sol",
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["contracts"]["A.sol:A"]["bin"]
    assert output["sourceList"] == ["A.sol"]
    assert output["sources"]["A.sol"]["AST"]["nodeType"] == "SourceUnit"
    assert PUSH0 not in opcodes(bytes.fromhex(output["contracts"]["A.sol:A"]["bin"]))  # paris: no PUSH0


def test_shim__combined_json_compile_error__exits_1_with_message(tmp_path):
    (tmp_path / "Bad.sol").write_text("pragma solidity 0.8.28; contract {")

    done = _run(str(SHIM), "--combined-json", "abi", "Bad.sol", cwd=tmp_path)

    assert done.returncode == 1
    assert "ParserError" in done.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--combined-json", "abi,opcodes-of-doom", "x.sol"], []])
def test_shim__unsupported_use__exits_2_with_usage(args):
    done = _run(str(SHIM), *args)

    assert done.returncode == 2
    assert "usage:" in done.stderr


# ---------------------------------------------------------------------------------------------- anvil (second EVM)

ANVIL = ROOT / ".tools" / "anvil" / "anvil"
APE = ROOT / ".venv" / "bin" / "ape"


def test_anvil__is_the_pinned_release_and_on_the_venvs_path():
    package = json.loads((ROOT / "package.json").read_text())["dependencies"]["@foundry-rs/anvil-linux-amd64"]
    found = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", "import shutil; print(shutil.which('anvil'))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip

    assert _pinned("ANVIL_VERSION") == package
    assert subprocess.run([ANVIL, "--version"], capture_output=True, text=True, check=True).stdout.startswith(
        f"anvil Version: {package}"
    )
    assert found.stdout.strip() == str(ANVIL)  # where ape-foundry looks (shutil.which)


def test_ape_test_on_anvil__gas_table_printed_and_custom_errors_decoded():
    """`ape test --gas` on anvil (ape-foundry): every OrderBook test passes — custom errors of transactions and of
    reverting views decoded, struct returns of traced views decoded (tests/ape_tracing.py) — and the per-method
    gas table is printed."""
    done = subprocess.run(
        [APE, "test", "tests/contracts/order_book", "--network", "ethereum:local:foundry", "--gas", "-q",
         "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr

    assert done.returncode == 0, output[-4000:]
    assert "OrderBook Gas" in output
    assert re.search(r"placeOrder\s+\d+\s+\d+", output), output[-3000:]
    assert re.search(r"\d+ passed", output)


# ---------------------------------------------------------------------------------------------- web pages' libraries


def test_web_vendor__htmx_2_0_and_its_sse_extension_2_2_pinned():
    """htmx 2.0.x, not 4 (whose attribute inheritance drops the CSRF header set on <body>), from npm, vendored."""
    dependencies = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert re.fullmatch(r"2\.0\.\d+", dependencies["htmx.org"])
    assert re.fullmatch(r"2\.2\.\d+", dependencies["htmx-ext-sse"])
    for package in ("htmx.org", "htmx-ext-sse"):
        folder = ROOT / "web" / "static" / "vendor" / f"{package}@{dependencies[package]}"
        assert (folder / "LICENSE").is_file(), folder
        assert any(folder.glob("*.min.js")), folder


def test_web_vendor__three_module_and_addons_import_the_vendored_module():
    """three.js for the 3D preview: no import map (CSP forbids inline scripts), so the add-ons' bare `three` import
    is rewritten to the vendored module."""
    version = json.loads((ROOT / "package.json").read_text())["dependencies"]["three"]
    folder = ROOT / "web" / "static" / "vendor" / f"three@{version}"
    assert (folder / "three.module.js").is_file()
    assert (folder / "LICENSE").is_file()
    for addon in ("STLLoader.js", "OrbitControls.js"):
        text = (folder / "addons" / addon).read_text()
        assert "from '../three.module.js';" in text
        assert "} from 'three';" not in text


def test_chromium__installed_for_the_browser_tests():
    out = _run("/usr/bin/chromium", "--version").stdout
    assert re.search(r"Chromium \d+\.", out), out
