"""The Flask app factory: `create_app(settings)` builds the platform (web.platform.build), then wires CSRF,
sessions, error pages and the blueprints of the explorers. Served by waitress (`ape run web up`, started by
`make up`); never Flask's development server outside tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify
from flask_wtf.csrf import CSRFProtect, generate_csrf

from offchain.chain.connection import Chain
from offchain.storage.base import Storage
from web import customer, gas, ledger, pages
from web.platform import auth, chain_api, errors, origin
from web.platform.build import build_platform
from web.platform.context import JsonRpc
from web.platform.housekeeping import Housekeeping
from web.platform.settings import WebSettings

CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
"""Nothing from elsewhere, no framing (clickjacking), no <base> or form target pointing away."""


def create_app(
    settings: WebSettings | None = None,
    *,
    chain: Chain | None = None,
    node_rpc: JsonRpc | None = None,
    storage: Storage | None = None,
    follow: bool = True,
) -> Flask:
    """The web platform for `settings` (default: from the environment). `chain`, `node_rpc` and `storage` are given
    by unit tests; else they reach the node at `settings.rpc_url` (the chain with `settings.registry`) and the IPFS
    swarm at `settings.ipfs_url`. With `follow` the chain index follows the chain in a background thread (unit tests
    call `index.sync()` instead)."""
    settings = settings or WebSettings.from_env()
    imse = build_platform(settings, chain=chain, node_rpc=node_rpc, storage=storage)
    chain = imse.chain
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.session_key(),
        SESSION_COOKIE_NAME="imse_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_origin.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        WTF_CSRF_HEADERS=["X-CSRF-Token"],
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session cookie
        IMSE_SESSION_SECONDS=settings.session_hours * 3600,
    )
    app.extensions["imse"] = imse
    index, faucet, dev_network = imse.index, imse.faucet, imse.dev_network
    if follow:
        index.start()
        faucet.start()
        Housekeeping(imse.store, index).start()
    origin.register(app, settings)  # before CSRF and every route: a foreign Host gets nothing else
    csrf = CSRFProtect(app)
    csrf.exempt(chain_api.rpc)  # called by the wallet's own background, with no cookie: it relays signed data only
    errors.register(app)
    for blueprint in (pages.bp, auth.bp, chain_api.bp, customer.bp, customer.api, ledger.bp, ledger.old, gas.bp):
        app.register_blueprint(blueprint)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {
            "csrf_token": generate_csrf,
            "session_user": auth.current(),
            "chain_id": chain.registry.chain_id,
            "dev_chain": dev_network,
            "chain_name": settings.chain_name,
        }

    @app.template_filter("utc")
    def utc(seconds: int) -> str:
        return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%d %H:%M")

    @app.template_filter("duration")
    def duration(seconds: int) -> str:
        hours, minutes = divmod(round(int(seconds) / 60), 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(ok=True, chain_id=chain.registry.chain_id, block=chain.head(), indexed=index.block)

    return app
