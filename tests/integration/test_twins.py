"""Twins end to end, the way a printer owner works without the web UI: `ape run twins …` against the real clique
network and the real private IPFS swarm; history verification, including objects that do not match the chain."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from offchain.canonical import canonical_bytes, digest
from offchain.storage.kubo import KuboStorage
from offchain.twins.schema import example_of
from tests.integration.conftest import ape_run, contract, dev_account, send, web3_for

PATCHES = [
    [{"op": "replace", "path": "/status", "value": "maintenance"}],
    [{"op": "add", "path": "/materials/-", "value": "TPU"}, {"op": "replace", "path": "/accuracy", "value": 0.05}],
    [{"op": "replace", "path": "/name", "value": "Prusa MK3S+ #1 (rebuilt)"}],
]


@pytest.fixture(scope="module")
def twins(network, registry, registry_file, ipfs, tmp_path_factory):
    """Runs `ape run twins …` on the boot node with the test registry and the first IPFS node."""
    folder = tmp_path_factory.mktemp("twins")
    url = network.node("boot").rpc_url

    def run(*args: str, account: str | None = "TEST::1", check: bool = True) -> subprocess.CompletedProcess[str]:
        options = ["--network", f"ethereum:imse:{url}", "--registry", str(registry_file)]
        if args[0] in ("publish", "patch", "verify", "show"):
            options += ["--ipfs-api", ipfs.nodes[0].api_url]
        if account:
            options += ["--account", account]
        return ape_run("twins", *args, *options, check=check, timeout=300)

    run.folder = folder  # type: ignore[attr-defined]
    return run


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"not JSON on stdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-2000:]}")


def _write(folder: Path, name: str, value: object) -> str:
    path = folder / name
    path.write_text(json.dumps(value))
    return str(path)


@pytest.fixture(scope="module")
def printer_twin(twins):
    """A printer twin with four versions, published and patched through the scripts."""
    done = twins("publish", _write(twins.folder, "printer.json", example_of("printer")))
    output = done.stdout + done.stderr  # "SUCCESS: twin N published (version 1): …"
    twin_id = int(output.split("twin ", 1)[1].split(" ", 1)[0])
    for index, patch in enumerate(PATCHES):
        twins("patch", str(twin_id), _write(twins.folder, f"patch{index}.json", patch))
    return twin_id


def test_publish_and_patch__four_versions_verify(twins, printer_twin):
    done = twins("verify", str(printer_twin), account=None)
    table = done.stdout
    print(table)  # the closing note shows this table
    assert f"twin {printer_twin}: 4 version(s); every revision verified" in table
    lines = [line for line in table.splitlines() if line[:1].isdigit()]
    assert [line.split()[0] for line in lines] == ["1", "2", "3", "4"]
    assert all(
        line.split()[5:8] == ["ok", "-", "ok"] if i == 0 else line.split()[5:8] == ["ok", "ok", "ok"]
        for i, line in enumerate(lines)
    )
    assert "replace /status" in lines[1]


def test_show__a_past_version_and_the_current_one(twins, printer_twin):
    version2 = _json(twins("show", str(printer_twin), "--version", "2", account=None))
    current = _json(twins("show", str(printer_twin), account=None))
    assert version2["status"] == "maintenance"
    assert "TPU" not in version2["materials"]
    assert current["name"] == "Prusa MK3S+ #1 (rebuilt)"
    assert current["accuracy"] == 0.05


def test_patch__stale_expected_version__clear_error_nothing_written(twins, printer_twin):
    patch = _write(twins.folder, "stale.json", [{"op": "replace", "path": "/brand", "value": "x"}])
    done = twins("patch", str(printer_twin), patch, "--expected-version", "1", check=False)
    assert done.returncode != 0
    assert f"someone else updated twin {printer_twin} to version 4" in done.stdout + done.stderr
    listed = _json(twins("list", "--json", account=None))
    assert next(t for t in listed if t["id"] == printer_twin)["version"] == 4


def test_publish__invalid_document__clear_error(twins):
    document = example_of("printer") | {"accuracy": "fine"}
    done = twins("publish", _write(twins.folder, "bad.json", document), check=False)
    assert done.returncode != 0
    assert "accuracy: 'fine' is not of type 'number'" in done.stdout + done.stderr


def test_status_and_list(twins, printer_twin):
    twins("status", str(printer_twin), "maintenance")
    listed = _json(twins("list", "--json", account=None))
    twin = next(t for t in listed if t["id"] == printer_twin)
    assert twin["status"] == "maintenance"
    assert twin["materials"] == ["PLA", "ABS", "PETG", "TPU"]
    assert twin["build_mm"] == [250, 210, 210]


def test_verify__forged_patch_object__reported_with_exit_status_1(network, registry, ipfs, twins, printer_twin):
    """An owner who records a patch CID whose content does not produce the recorded document is caught."""
    w3 = web3_for(network, "boot")
    twin_registry = contract(w3, registry, "TwinRegistry")
    record = twin_registry.functions.getTwin(printer_twin).call()
    current = _json(twins("show", str(printer_twin), account=None))
    claimed = current | {"name": "claimed by the chain"}
    with KuboStorage(ipfs.nodes[1].api_url) as store:  # written through the other node
        spec_cid = store.add(canonical_bytes(claimed))
        forged_patch_cid = store.add(canonical_bytes([{"op": "replace", "path": "/name", "value": "something else"}]))
    tx = twin_registry.functions.updateTwin(
        printer_twin, record[1], record[5], digest(claimed), spec_cid, forged_patch_cid
    )
    receipt = w3.eth.wait_for_transaction_receipt(send(w3, dev_account(1), tx), timeout=60)
    assert receipt["status"] == 1

    done = twins("verify", str(printer_twin), account=None, check=False)

    print(done.stdout)
    assert done.returncode == 1
    assert "VERIFICATION FAILED" in done.stdout
    assert "does not give the digest recorded on chain" in done.stdout
    assert _json(twins("show", str(printer_twin), account=None)) == claimed
