"""The web server's settings, from the environment (prefix IMSE_WEB_) with defaults for one machine."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from offchain.exceptions import ConfigError
from offchain.settings import PROJECT_ROOT, data_dir
from web.platform.faucet_policy import FaucetPolicy
from web.platform.streams import StreamLimits

DEFAULT_PORT = 30600
DEFAULT_RPC = "http://127.0.0.1:30410"  # the boot node of `make up`'s network
DEFAULT_IPFS = "http://127.0.0.1:30510"  # the first node of `make up`'s swarm


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    origin: str = ""
    """The public origin users open ($IMSE_WEB_ORIGIN, e.g. https://studio.example.com behind a reverse proxy);
    empty: http://127.0.0.1:<port>. The sign-in message, its check and every external URL use it, never the
    request's Host header; requests for any other Host are refused (see `allowed_hosts`)."""
    allowed_hosts: tuple[str, ...] = ()
    """Further Host values served as they are ($IMSE_WEB_ALLOWED_HOSTS, comma-separated `name:port`) — the origin's
    own host always is, and on loopback `localhost:<port>` / `127.0.0.1:<port>` are sent to the origin."""
    trusted_proxy: str = ""
    """The reverse proxy's address ($IMSE_WEB_TRUSTED_PROXY): only when a request comes from it is its
    X-Forwarded-For trusted for the visitor's address (rate limits); empty: the peer address is the visitor's."""
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
    shipping_key_file: Path | None = None
    """The key that seals shipping data at rest ($IMSE_WEB_SHIPPING_KEY; default state_dir/shipping.key, created
    once, owner-only) — a file outside the web database; keep a copy with your backups of the database."""
    matcher_report: Path | None = None
    """The matcher bot's report of its last cycle ($IMSE_WEB_MATCHER_REPORT; the local bot's
    data/matcher/report.json): why an order is not matched yet, shown on the customer's My orders."""
    faucet_key: str = field(default="", repr=False)
    """The faucet's private key ($IMSE_WEB_FAUCET_KEY); empty: no faucet. Never printed, logged or shown."""
    faucet: FaucetPolicy = field(default_factory=FaucetPolicy)
    streams: StreamLimits = field(default_factory=StreamLimits)
    """Caps on live streams (SSE): in all, per session, and how long each lives."""

    def __post_init__(self) -> None:
        self.public_origin  # noqa: B018 — a malformed origin is refused when the settings are made

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
            origin=env.get("IMSE_WEB_ORIGIN", ""),
            allowed_hosts=tuple(h.strip() for h in env.get("IMSE_WEB_ALLOWED_HOSTS", "").split(",") if h.strip()),
            trusted_proxy=env.get("IMSE_WEB_TRUSTED_PROXY", ""),
            rpc_url=env.get("IMSE_WEB_RPC", DEFAULT_RPC),
            registry=Path(env.get("IMSE_WEB_REGISTRY", PROJECT_ROOT / "deployments" / "imse.json")),
            ipfs_url=env.get("IMSE_WEB_IPFS", DEFAULT_IPFS),
            state_dir=Path(env.get("IMSE_WEB_DIR", data_dir() / "web")),
            faucet_key=env.get("IMSE_WEB_FAUCET_KEY", ""),
            matcher_report=Path(env.get("IMSE_WEB_MATCHER_REPORT", data_dir() / "matcher" / "report.json")),
            shipping_key_file=Path(env["IMSE_WEB_SHIPPING_KEY"]) if env.get("IMSE_WEB_SHIPPING_KEY") else None,
        )

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of the site as users open it (no trailing slash); ConfigError when malformed."""
        origin = (self.origin or f"http://127.0.0.1:{self.port}").rstrip("/")
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or "@" in origin:
            raise ConfigError(f"IMSE_WEB_ORIGIN must be scheme://host[:port], like https://studio.example.com; got "
                              f"{self.origin!r}")  # fmt: skip
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @property
    def public_host(self) -> str:
        """The origin's Host header value (`host[:port]`)."""
        return urlsplit(self.public_origin).netloc

    def served_hosts(self) -> frozenset[str]:
        """Host header values answered as they are."""
        return frozenset({self.public_host, *(h.lower() for h in self.allowed_hosts)})

    def loopback_hosts(self) -> frozenset[str]:
        """Loopback names of this server's own port: a browser opening one is sent to the origin."""
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"[::1]:{self.port}"})

    @property
    def database(self) -> Path:
        return self.state_dir / "web.sqlite"

    @property
    def shipping_key(self) -> Path:
        return self.shipping_key_file or self.state_dir / "shipping.key"

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
