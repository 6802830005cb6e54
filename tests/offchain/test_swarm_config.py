"""The private swarm's kubo configuration (pure), its key format and port layout."""

from __future__ import annotations

import re

from offchain.network.swarm import IpfsNode, new_swarm_key, node_ports, private_config

NODES = [IpfsNode(f"ipfs{i + 1}", i, f"12D3KooPeer{i}", *node_ports(30500, i)) for i in range(3)]
INIT = {
    "Addresses": {"Swarm": ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/udp/4001/quic-v1"], "API": "x", "Gateway": "y"},
    "Bootstrap": ["auto"],
    "DNS": {"Resolvers": {".": "auto"}},
    "Discovery": {"MDNS": {"Enabled": True}},
    "Routing": {},
    "Swarm": {},
    "Plugins": None,
}


def test_swarm_key__kubo_format_and_fresh_each_time():
    key = new_swarm_key()
    assert re.fullmatch(r"/key/swarm/psk/1\.0\.0/\n/base16/\n[0-9a-f]{64}\n", key)
    assert new_swarm_key() != key


def test_node_ports__layout():
    assert node_ports(30500, 2) == (30502, 30512, 30522)


def test_private_config__loopback_only_and_own_bootstrap():
    config = private_config(INIT, NODES[2], NODES)

    assert config["Addresses"]["Swarm"] == ["/ip4/127.0.0.1/tcp/30502"]
    assert config["Addresses"]["API"] == "/ip4/127.0.0.1/tcp/30512"
    assert config["Addresses"]["Gateway"] == "/ip4/127.0.0.1/tcp/30522"
    assert config["Bootstrap"] == [f"/ip4/127.0.0.1/tcp/{30500 + i}/p2p/12D3KooPeer{i}" for i in range(2)]


def test_private_config__nothing_reaches_outside():
    config = private_config(INIT, NODES[0], NODES)

    assert config["Bootstrap"] == []
    assert config["AutoConf"] == {"Enabled": False}
    assert config["AutoTLS"] == {"Enabled": False}
    assert config["Discovery"]["MDNS"] == {"Enabled": False}
    assert config["DNS"] == {"Resolvers": {}}
    assert config["Routing"]["DelegatedRouters"] == []
    assert config["Swarm"]["RelayClient"] == {"Enabled": False}
    assert config["Plugins"]["Plugins"]["telemetry"] == {"Config": {"Mode": "off"}}
    assert "auto" not in str(config)


def test_private_config__input_untouched():
    before = repr(INIT)
    private_config(INIT, NODES[1], NODES)
    assert repr(INIT) == before
