"""Live streams cannot starve the server: capped per session and in all, short-lived, ended by sign-out (issue 19,
points 4 and 14). Through Flask's test client; the 200-stream check against waitress is in tests/integration."""

from __future__ import annotations

import pytest

from tests.web.conftest import Browser
from web.app import create_app
from web.platform.settings import WebSettings
from web.platform.streams import StreamLimits


def make_app(sdk, tmp_path, node_rpc, limits: StreamLimits):
    settings = WebSettings(state_dir=tmp_path / "web", secret_key="k", streams=limits)
    app = create_app(settings, chain=sdk, node_rpc=node_rpc, follow=False)
    app.config["TESTING"] = True
    return app


def open_stream(browser: Browser, path: str = "/customer/events"):
    return browser.client.get(path, base_url=browser.base_url, buffered=False)


def begun_stream(app, account):
    """A signed-in browser and the chunks of its My orders stream, past the retry line and the first table."""
    browser = Browser(app)
    browser.sign_in(account)
    chunks = open_stream(browser).response
    assert next(chunks).decode().startswith("retry:")
    assert next(chunks).decode().startswith("event: orders")
    return browser, chunks


def session_id(browser: Browser) -> str:
    with browser.client.session_transaction(base_url=browser.base_url) as cookie:
        return str(cookie["sid"])


def test_streams__over_the_per_session_cap__the_oldest_ends_and_the_new_one_is_served(sdk, tmp_path, node_rpc,
                                                                                       customer):  # fmt: skip
    """A session at its cap (tabs, or pages reloaded before their streams noticed) gets the new stream and its
    oldest one is told to end — a reload always works, and a session holds at most its cap. (Streams held open are
    taken from the gate directly: the test client runs every stream in this one thread, which Flask's streamed
    contexts do not allow; tests/integration opens real ones against waitress.)"""
    app = make_app(sdk, tmp_path, node_rpc, StreamLimits(total=10, per_session=2))
    gate = app.extensions["imse"].streams
    browser = Browser(app)
    browser.sign_in(customer)
    woken: list[int] = []
    held = [gate.take(session_id(browser)) for _ in range(2)]  # two tabs
    held[0].wake = lambda: woken.append(0)

    third = open_stream(browser)

    assert third.status_code == 200
    assert held[0].evicted.is_set()  # the oldest is told to end…
    assert woken == [0]
    assert not held[1].evicted.is_set()  # …the others keep going
    third.close()
    held[0].release()
    assert gate.open == 1


def test_streams__evicted_stream__ends_at_once(sdk, tmp_path, node_rpc, customer):
    app = make_app(sdk, tmp_path, node_rpc, StreamLimits(per_session=1, lifetime=30))
    gate = app.extensions["imse"].streams
    browser, chunks = begun_stream(app, customer)

    gate.take(session_id(browser))  # a newer stream of the same session

    assert list(chunks) == []  # ended, long before its lifetime
    assert gate.open == 1


def test_streams__over_the_server_cap__refused_for_everyone(sdk, tmp_path, node_rpc, customer):
    app = make_app(sdk, tmp_path, node_rpc, StreamLimits(total=3, per_session=5))
    gate = app.extensions["imse"].streams
    for other in ("a", "b", "c"):
        gate.take(other)
    browser = Browser(app)
    browser.sign_in(customer)

    refused = open_stream(browser)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert browser.get("/").status_code == 200  # pages are answered meanwhile


def test_streams__lifetime_over__stream_ends_and_tells_the_browser_when_to_reopen(sdk, tmp_path, node_rpc, customer):
    app = make_app(sdk, tmp_path, node_rpc, StreamLimits(lifetime=0.3))
    browser = Browser(app)
    browser.sign_in(customer)

    chunks = [c.decode() for c in open_stream(browser).response]  # ends by itself

    assert chunks[0] == "retry: 500\n\n"
    assert chunks[1].startswith("event: orders\n")
    assert app.extensions["imse"].streams.open == 0


def test_streams__signed_out__stream_ends_at_the_next_keep_alive(sdk, tmp_path, node_rpc, customer, monkeypatch):
    monkeypatch.setattr("web.platform.streams.KEEP_ALIVE", 0.05)
    app = make_app(sdk, tmp_path, node_rpc, StreamLimits(lifetime=30))
    browser, chunks = begun_stream(app, customer)
    assert next(chunks).decode() == ": keep-alive\n\n"

    browser.post("/auth/logout")

    assert list(chunks) == []  # ended, although its lifetime is far from over
    assert app.extensions["imse"].streams.open == 0


@pytest.mark.parametrize(("limits", "problem"), [({"total": 0}, "total"), ({"per_session": 0}, "per_session"),
                                                 ({"lifetime": 0}, "lifetime")])  # fmt: skip
def test_stream_limits__not_positive__refused(limits, problem):
    from offchain.exceptions import ConfigError

    with pytest.raises(ConfigError, match=problem):
        StreamLimits(**limits)
