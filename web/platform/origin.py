"""The site's one public origin, and the Host check that runs before every route.

The sign-in message, its verification and every external URL (the wallet's RPC URL, the block explorer) are built
from `WebSettings.public_origin`, never from the request. A request whose Host is not one this site serves is refused
with 421 before any route runs — the way geth's `--http.vhosts` refuses unknown hosts — so a DNS-rebinding page
(`evil.example` resolving to 127.0.0.1) or a relaying proxy cannot talk to the server as the user's browser. A page
GET on a loopback alias of the server's own port (`localhost:30600` for `127.0.0.1:30600`) is redirected to the
origin, so a user who types either name lands on the one the session cookie belongs to.
"""

from __future__ import annotations

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

from offchain.exceptions import WrongHostError
from web.platform.settings import WebSettings

OPEN_PATHS = frozenset({"/healthz"})
"""Answered on any loopback name (the service's own readiness check): they show nothing private."""


def external_url(settings: WebSettings, path: str) -> str:
    """`path` (absolute, from `url_for`) on the public origin."""
    return settings.public_origin + path


def register(app: Flask, settings: WebSettings) -> None:
    served, loopback, origin = settings.served_hosts(), settings.loopback_hosts(), settings.public_origin

    @app.before_request
    def check_host() -> Response | None:
        host = request.host.lower()
        if host in served:
            return None
        if host in loopback:
            if request.path in OPEN_PATHS:
                return None
            if request.method in ("GET", "HEAD"):
                return redirect(origin + request.full_path.rstrip("?"), code=308)
        raise WrongHostError(
            f"this server answers only for {origin}, not for the host {host[:100]!r}: open {origin}/",
            details={"origin": origin},
        )
