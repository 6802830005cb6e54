"""The matcher bot's checkpoint: round trip, atomic replacement, a fresh start."""

from __future__ import annotations

import pytest

from offchain.bot.matcher import Checkpoint
from offchain.bot.view import OrderInfo
from offchain.exceptions import ImseError


def test_checkpoint__missing_file__starts_before_the_deployment_block(tmp_path):
    checkpoint = Checkpoint.load(tmp_path / "none.json", start_block=17)
    assert (checkpoint.block, checkpoint.hash, checkpoint.pending) == (16, "", {})


def test_checkpoint__round_trip(tmp_path):
    path = tmp_path / "state" / "checkpoint.json"
    pending = {3: OrderInfo("bafkreidesign", b"\x01" * 32), 9: OrderInfo("bafkreiother", b"\x02" * 32)}
    Checkpoint(42, "0xabc", pending).save(path)
    loaded = Checkpoint.load(path, start_block=1)
    assert (loaded.block, loaded.hash, loaded.pending) == (42, "0xabc", pending)


def test_checkpoint__replaced_atomically_no_temporary_left(tmp_path):
    path = tmp_path / "checkpoint.json"
    Checkpoint(1, "0x1").save(path)
    Checkpoint(2, "0x2").save(path)
    assert Checkpoint.load(path, start_block=0).block == 2
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]


def test_checkpoint__of_another_chain__refused(tmp_path):
    path = tmp_path / "checkpoint.json"
    Checkpoint(50, "0x50", genesis="0xaaaa").save(path)
    assert Checkpoint.load(path, start_block=1, genesis="0xaaaa").block == 50
    with pytest.raises(ImseError, match="belongs to another chain"):
        Checkpoint.load(path, start_block=1, genesis="0xbbbb")
