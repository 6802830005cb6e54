"""`build_platform(settings)`: everything the explorers share, made once per app — the chain (SDK), the web
database, the IPFS client, the slicer, the chain index, the faucet, the matcher's report, the stream gate and the
limiters. `create_app` (web.app) builds it and adds Flask around it; the REST API and tests can build it alone."""

from __future__ import annotations

from offchain.chain.connection import Chain, connect
from offchain.chain.registry import load_registry
from offchain.devnet import is_dev_network
from offchain.printing.slicer import Slicer
from offchain.storage.base import Storage
from offchain.storage.kubo import KuboStorage
from web.platform.chain_api import NodeRpc
from web.platform.context import DesignFiles, JsonRpc, Platform
from web.platform.drips import DripLedger
from web.platform.events import Broker
from web.platform.faucet import Faucet
from web.platform.index import ChainIndex
from web.platform.limits import Limiters
from web.platform.matcher_report import MatcherReport
from web.platform.settings import WebSettings
from web.platform.store import Store
from web.platform.streams import StreamGate


def build_platform(
    settings: WebSettings,
    *,
    chain: Chain | None = None,
    node_rpc: JsonRpc | None = None,
    storage: Storage | None = None,
) -> Platform:
    """The platform for `settings`; `chain`, `node_rpc` and `storage` are given by unit tests, else they reach the
    node at `settings.rpc_url` (the chain with `settings.registry`) and the IPFS swarm at `settings.ipfs_url`.
    Nothing is started: the index and the faucet threads are the caller's to start."""
    chain = chain or connect(settings.rpc_url, load_registry(settings.registry))
    broker = Broker()
    store = Store(settings.database, shipping_key=settings.shipping_key)
    return Platform(
        settings,
        chain,
        store,
        node_rpc or NodeRpc(settings.rpc_url),
        storage or KuboStorage(settings.ipfs_url),
        DesignFiles(settings.state_dir / "designs"),
        Slicer(settings.state_dir / "slicer", timeout=120),
        broker,
        ChainIndex(chain, settings.state_dir / "index.sqlite", broker),
        Faucet(chain, DripLedger(store), broker, settings.faucet, settings.faucet_key, settings.currency_symbol),
        MatcherReport(settings.matcher_report),
        StreamGate(settings.streams),
        Limiters(),
        is_dev_network(chain.registry.chain_id, chain.registry.deployer),
    )  # fmt: skip
