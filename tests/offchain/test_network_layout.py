"""Network layout and node command lines (no geth process needed)."""

from __future__ import annotations

import pytest

from offchain.exceptions import ConfigError, NetworkMissingError
from offchain.network import manager
from offchain.network.layout import NODE_NAMES, NetworkConfig, NodeSpec, node_ports
from offchain.network.manager import NetworkStatus, NodeStatus


def _config(tmp_path) -> NetworkConfig:
    nodes = tuple(
        NodeSpec(
            name,
            i,
            f"0x{i + 1:040x}",
            name != "customer",
            *node_ports(30400, i),
            f"enode://{i:0128x}@127.0.0.1:{30400 + i}",
        )
        for i, name in enumerate(NODE_NAMES)
    )
    return NetworkConfig(tmp_path, 4242, 5, 30000, 30_000_000, 30400, nodes, ("0x" + "ab" * 20,))


def test_node_ports__derive_from_base():
    assert node_ports(30400, 0) == (30400, 30410, 30420)
    assert node_ports(30400, 3) == (30403, 30413, 30423)


@pytest.mark.parametrize("base", [80, 65001])
def test_node_ports__base_out_of_range__raises(base):
    with pytest.raises(ConfigError, match="base port"):
        node_ports(base, 0)


def test_config__save_and_load__round_trips(tmp_path):
    config = _config(tmp_path)
    config.save()

    assert NetworkConfig.load(tmp_path) == config


def test_config__load_without_network__raises_with_hint(tmp_path):
    with pytest.raises(NetworkMissingError, match="ape run genesis"):
        NetworkConfig.load(tmp_path)


def test_config__select__unknown_node_raises_and_empty_means_all(tmp_path):
    config = _config(tmp_path)

    assert [n.name for n in config.select(None)] == list(NODE_NAMES)
    assert [n.name for n in config.select(["matcher", "boot"])] == ["boot", "matcher"]
    with pytest.raises(ConfigError, match="no node named"):
        config.select(["miner"])


def test_geth_command__ipc_only_unlocked_without_the_insecure_flag(tmp_path, monkeypatch):
    """Geth serves no HTTP (its node's RPC gateway does), so its account unlocks for sealing without
    --allow-insecure-unlock, which would let any local process send as the signer (issue 19, point 18)."""
    monkeypatch.setenv("IMSE_TOOLS_BIN", str(tmp_path))
    (tmp_path / "geth").write_text("")
    config = _config(tmp_path)
    node = config.node("printer")

    command = manager.geth_command(config, node)
    gateway = manager.gateway_command(config, node)

    joined = " ".join(command)
    assert not [arg for arg in command if arg.startswith(("--http", "--ws"))]
    assert "--allow-insecure-unlock" not in command
    assert command[command.index("--unlock") + 1] == node.account
    assert command[command.index("--authrpc.addr") + 1] == "127.0.0.1"
    assert gateway[gateway.index("--listen") + 1] == f"127.0.0.1:{node.http_port}"
    assert gateway[gateway.index("--ipc") + 1] == command[command.index("--ipcpath") + 1]
    assert command[command.index("--miner.gaslimit") + 1] == "30000000"
    assert "--nodiscover" in command
    assert "--mine" not in command  # sealers start over IPC once peered
    assert "personal" not in joined
    assert "admin" not in joined


def test_network_status__advancing_and_summary():
    fresh = NodeStatus("boot", True, True, 3, 10, "0x1", 1.0, "u")
    stale = NodeStatus("printer", True, True, 3, 10, "0x1", 60.0, "u")
    stopped = NodeStatus("matcher", False, True, None, None, None, None, "u")

    assert NetworkStatus((fresh, stopped), ("boot",), 5).advancing
    assert not NetworkStatus((stale, stopped), ("boot",), 5).advancing
    assert "STALLED" in NetworkStatus((stale, stopped), ("boot",), 5).summary
    assert NetworkStatus((stopped,), ("boot",), 5).summary.endswith("chain down")
