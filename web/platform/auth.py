"""Sign-in with a wallet (EIP-4361) and the session it opens; on-chain roles checked on every privileged call.

    POST /auth/message  {"address"}              → {"message", "nonce"}   the exact text to sign
    POST /auth/verify   {"message", "signature"} → {"address", "roles"}   opens the session
    POST /auth/logout                            → {"signed_in": false}
    GET  /auth/me                                → {"signed_in", "address", "roles", "chain_id"}

The session cookie is Flask's signed cookie (HttpOnly, SameSite=Lax) holding only a random session id; the session
itself (address, chain id, roles, expiry) is in the web database, so signing out ends it for good.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, current_app, jsonify, session

from offchain.chain.roles import roles_of
from offchain.exceptions import BadRequestError, NotSignedInError, RoleRequiredError, SignInError
from web.platform import siwe
from web.platform.context import platform
from web.platform.errors import json_of_request
from web.platform.limits import visitor
from web.platform.store import Session
from web.platform.streams import live

bp = Blueprint("auth", __name__, url_prefix="/auth")
F = TypeVar("F", bound=Callable[..., Any])


def site() -> tuple[str, str]:
    """(domain, uri) of this site: its configured public origin, never the request's Host header (a message issued
    or verified under another Host would hand a session to whoever relays it). The domain line carries the scheme
    on plain http."""
    settings = platform().settings
    uri = settings.public_origin
    domain = settings.public_host if uri.startswith("https://") else uri
    return domain, uri


def json_body(*fields: str) -> dict[str, str]:
    """The request's JSON object with `fields` present as strings; BadRequestError naming the first missing one."""
    body = json_of_request()
    if not isinstance(body, dict):
        raise BadRequestError("expected a JSON object body")
    for name in fields:
        if not isinstance(body.get(name), str) or not body[name]:
            raise BadRequestError(f"{name} is required (a string)", field=name)
    return {name: body[name] for name in fields}


def current() -> Session | None:
    """The signed-in session of this request, if any (and if it is for this platform's chain)."""
    sid = session.get("sid")
    if not isinstance(sid, str):
        return None
    found = platform().store.session(sid)
    if found is None or found.chain_id != platform().chain_id:
        return None
    return found


def signed_in() -> Session:
    found = current()
    if found is None:
        raise NotSignedInError("sign in with your wallet first")
    return found


def role_required(role: str) -> Callable[[F], F]:
    """A view that needs `role`, read from the chain at each call (a revoked role takes effect at once)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = signed_in()
            roles = roles_of(platform().chain, who.address)
            if roles != who.roles:
                platform().store.set_roles(who.sid, roles)
            if role not in roles:
                raise RoleRequiredError(
                    f"{who.address} does not hold the {role} role on chain", details={"roles": list(roles)}
                )
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def live_stream(
    who: Session,
    subscription: AbstractContextManager[queue.Queue[Any]],
    first: Callable[[], Iterator[str]],
    on_message: Callable[[str, Any], Iterator[str]],
) -> Response:
    """A live stream (SSE) of the signed-in session `who`, within the server's stream caps, ending when the session
    does (web.platform.streams.live)."""
    store = platform().store
    return live(platform().streams, who.sid, lambda: store.session(who.sid) is not None, subscription, first,
                on_message)  # fmt: skip


@bp.post("/message")
def message() -> Any:
    address = json_body("address")["address"]
    limiters = platform().limiters
    limiters.sign_in_visitor.hit(visitor(platform().settings) or address.lower()[:42], "sign-in messages")
    limiters.sign_in_all.hit("all", "sign-in messages")
    domain, uri = site()
    issued = siwe.new_message(domain=domain, uri=uri, address=address, chain_id=platform().chain_id)
    platform().store.issue(issued.nonce, issued.text(), issued.address, issued.expires_at.timestamp())
    return jsonify(message=issued.text(), nonce=issued.nonce, expires_at=issued.expires_at.isoformat())


@bp.post("/verify")
def verify() -> Any:
    body = json_body("message", "signature")
    text, store = body["message"], platform().store
    nonce = siwe.parse(text).nonce
    issued = store.issued(nonce)
    if issued is None:
        raise SignInError("this sign-in message was not issued by this site (unknown nonce)")
    if issued[1]:
        raise SignInError("this sign-in message was already used: sign in again (replay refused)")
    domain, uri = site()
    signed = siwe.verify(
        text, body["signature"], issued=issued[0], domain=domain, uri=uri, chain_id=platform().chain_id
    )
    if not store.spend(nonce):
        raise SignInError("this sign-in message was already used: sign in again (replay refused)")
    roles = roles_of(platform().chain, signed.address)
    previous = session.get("sid")
    if isinstance(previous, str):
        store.close_session(previous)
    session.clear()  # a new session id at every sign-in
    opened = store.open_session(signed.address, platform().chain_id, roles, current_app.config["IMSE_SESSION_SECONDS"])
    session["sid"] = opened.sid
    session.permanent = True
    return jsonify(signed_in=True, address=opened.address, roles=list(roles))


@bp.post("/logout")
def logout() -> Any:
    sid = session.get("sid")
    if isinstance(sid, str):
        platform().store.close_session(sid)
    session.clear()
    return jsonify(signed_in=False)


@bp.get("/me")
def me() -> Any:
    found = current()
    if found is None:
        return jsonify(signed_in=False, chain_id=platform().chain_id)
    return jsonify(signed_in=True, address=found.address, roles=list(found.roles), chain_id=found.chain_id)
