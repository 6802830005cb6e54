"""The web server process: the app under waitress (64 threads; live streams may take at most 40 of them).

    python -m web.serve --state-dir data/web [--host 127.0.0.1] [--port 30600] [--rpc URL] [--registry FILE]
                        [--origin https://studio.example.com] [--allowed-host NAME:PORT …] [--trusted-proxy IP]

Started in the background by `ape run web up` (and so by `make up`); its state dir is on the command line, so the
pid file is only trusted for this very process. The faucet's key, if any, comes from $IMSE_WEB_FAUCET_KEY.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import waitress

from offchain.exceptions import ImseError
from web.app import create_app
from web.platform.settings import WebSettings

THREADS = 64
"""Request threads; live streams take at most StreamLimits.total of them (40), the rest always serve pages."""


def main(argv: list[str] | None = None) -> int:
    defaults = WebSettings.from_env()
    parser = argparse.ArgumentParser(prog="python -m web.serve", description="Serve the imseStudio web platform.")
    parser.add_argument("--state-dir", type=Path, default=defaults.state_dir, help="web database, key, pid, log")
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--rpc", default=defaults.rpc_url, help="the node the server reads from and /rpc forwards to")
    parser.add_argument("--registry", type=Path, default=defaults.registry, help="the deployment registry (JSON)")
    parser.add_argument("--ipfs", default=defaults.ipfs_url, help="the private IPFS swarm's API")
    parser.add_argument(
        "--origin", default=defaults.origin, help="the public origin users open [http://127.0.0.1:PORT]"
    )
    parser.add_argument("--allowed-host", action="append", default=list(defaults.allowed_hosts),
                        help="another Host value to serve as it is (repeatable)")  # fmt: skip
    parser.add_argument("--trusted-proxy", default=defaults.trusted_proxy, help="reverse proxy whose X-Forwarded-For "
                        "is trusted for the visitor's address")  # fmt: skip
    parser.add_argument("--matcher-report", type=Path, default=defaults.matcher_report,
                        help="the matcher bot's report of its last cycle (why orders wait)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args(argv)
    try:
        settings = WebSettings(
            host=args.host,
            port=args.port,
            origin=args.origin,
            allowed_hosts=tuple(args.allowed_host),
            trusted_proxy=args.trusted_proxy,
            matcher_report=args.matcher_report,
            shipping_key_file=defaults.shipping_key_file,  # $IMSE_WEB_SHIPPING_KEY
            rpc_url=args.rpc,
            registry=args.registry,
            state_dir=args.state_dir,
            ipfs_url=args.ipfs,
            faucet_key=defaults.faucet_key,  # $IMSE_WEB_FAUCET_KEY
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app = create_app(settings)
    except ImseError as err:
        print(f"web: {err}", file=sys.stderr)
        return 2
    waitress.serve(app, host=settings.host, port=settings.port, threads=args.threads, ident="imseStudio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
