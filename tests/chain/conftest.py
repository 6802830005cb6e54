"""SDK tests: the typed wrappers and the signer over web3, against the real contracts on ape's in-process EVM."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_first(sdk, signer_of, admin, servicer, other_servicer, matcher, operator, customer, stranger) -> None:
    """Session-scoped fixtures set up before any test's own (ape snapshots the chain per test; late session
    fixtures would force a costly rebase and fail with InvalidIsolationWarning)."""
