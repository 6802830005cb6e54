"""The web server's settings, from the environment (prefix IMSE_WEB_) with defaults for one machine."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from offchain.exceptions import ConfigError
from offchain.settings import PROJECT_ROOT, data_dir
from web.faucet.policy import FaucetPolicy

DEFAULT_PORT = 30600
DEFAULT_RPC = "http://127.0.0.1:30410"  # the boot node of `make up`'s network
DEFAULT_IPFS = "http://127.0.0.1:30510"  # the first node of `make up`'s swarm


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    rpc_url: str = DEFAULT_RPC
    """The node the server reads from and the /rpc proxy forwards to."""
    registry: Path = PROJECT_ROOT / "deployments" / "imse.json"
    ipfs_url: str = DEFAULT_IPFS
    """The private IPFS swarm's API (designs are uploaded there when a cart is published)."""
    state_dir: Path = PROJECT_ROOT / "data" / "web"
    """The web database, the session key and the server's pid and log."""
    chain_name: str = "imseStudio PoA"
    currency_symbol: str = "IMSE"
    session_hours: float = 12.0
    max_upload_mb: int = 50
    secret_key: str = ""
    """Signs session cookies; empty: read from (or created once in) state_dir/secret.key."""
    faucet_key: str = field(default="", repr=False)
    """The faucet's private key ($IMSE_WEB_FAUCET_KEY); empty: no faucet. Never printed, logged or shown."""
    faucet: FaucetPolicy = field(default_factory=FaucetPolicy)

    @classmethod
    def from_env(cls) -> WebSettings:
        env = os.environ
        try:
            port = int(env.get("IMSE_WEB_PORT", DEFAULT_PORT))
        except ValueError:
            raise ConfigError(f"IMSE_WEB_PORT must be a port number, got {env['IMSE_WEB_PORT']!r}") from None
        if not 1 <= port <= 65535:
            raise ConfigError(f"IMSE_WEB_PORT must be 1-65535, got {port}")
        return cls(
            host=env.get("IMSE_WEB_HOST", "127.0.0.1"),
            port=port,
            rpc_url=env.get("IMSE_WEB_RPC", DEFAULT_RPC),
            registry=Path(env.get("IMSE_WEB_REGISTRY", PROJECT_ROOT / "deployments" / "imse.json")),
            ipfs_url=env.get("IMSE_WEB_IPFS", DEFAULT_IPFS),
            state_dir=Path(env.get("IMSE_WEB_DIR", data_dir() / "web")),
            faucet_key=env.get("IMSE_WEB_FAUCET_KEY", ""),
        )

    @property
    def database(self) -> Path:
        return self.state_dir / "web.sqlite"

    def session_key(self) -> str:
        """The cookie-signing key: given, or kept in state_dir/secret.key (created once, owner-only)."""
        if self.secret_key:
            return self.secret_key
        path = self.state_dir / "secret.key"
        if not path.is_file():
            self.state_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(32))
        return path.read_text().strip()
