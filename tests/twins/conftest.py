"""Twin service tests: the real TwinRegistry on ape's in-process EVM + the in-memory content store."""

from __future__ import annotations

from typing import Any

import pytest

from offchain.services.twin_service import TwinService
from offchain.storage.base import MemoryStorage
from offchain.twins.schema import example_of


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture(scope="session", autouse=True)
def _session_first(sdk, signer_of, admin, servicer, other_servicer, operator, stranger) -> None:
    """Session-scoped fixtures set up before any test's own (see tests/chain/conftest.py)."""


@pytest.fixture
def service(sdk, storage) -> TwinService:
    return TwinService(sdk, storage)


@pytest.fixture
def printer_doc() -> dict[str, Any]:
    """The example printer, with colours from the test catalogue."""
    return example_of("printer") | {"colours": ["white", "black", "red"]}
