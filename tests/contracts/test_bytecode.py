"""The deployed code runs on a clique chain: compiled for Paris, so no Shanghai-or-later opcode appears."""

from __future__ import annotations

import pytest

from offchain.types import CONTRACT_NAMES
from tests.evm import PUSH0, opcodes

# Opcodes introduced after Paris: PUSH0 (Shanghai), TLOAD / TSTORE / MCOPY / BLOBHASH / BLOBBASEFEE (Cancun).
POST_PARIS = {PUSH0: "PUSH0", 0x5C: "TLOAD", 0x5D: "TSTORE", 0x5E: "MCOPY", 0x49: "BLOBHASH", 0x4A: "BLOBBASEFEE"}


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_runtime_code__has_no_post_paris_opcode(platform, chain, name):
    contract = platform.by_name()[name]
    code = bytes(chain.provider.get_code(contract.address))

    used = {POST_PARIS[op] for op in opcodes(code) if op in POST_PARIS}

    assert len(code) > 100
    assert not used, f"{name} uses {sorted(used)}"


def test_opcode_reader__finds_push0_and_skips_push_data():
    # PUSH1 carries 0x5f as data; the second 0x5f is a real PUSH0; the last two bytes are an empty trailer.
    assert opcodes(bytes([0x60, PUSH0, PUSH0, 0x00, 0x00])) == [0x60, PUSH0]
