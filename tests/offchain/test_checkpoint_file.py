"""The event follower's checkpoint file and the matcher's pending pool in it: round trip, atomic replacement, a
fresh start, another chain refused, a damaged file explained."""

from __future__ import annotations

import pytest

from offchain.bot.matcher import pool_from_json, pool_to_json
from offchain.bot.view import OrderInfo
from offchain.chain.follower import CheckpointFile, Cursor
from offchain.exceptions import ImseError


def test_checkpoint__missing_file__starts_before_the_deployment_block(tmp_path):
    cursor, state = CheckpointFile(tmp_path / "none.json").load("0xgenesis", start_block=17)
    assert (cursor.block, cursor.hash, cursor.genesis, state) == (16, "", "0xgenesis", {})


def test_checkpoint__round_trip_with_the_matchers_pool(tmp_path):
    file = CheckpointFile(tmp_path / "state" / "checkpoint.json")
    pool = {3: OrderInfo("bafkreidesign", b"\x01" * 32), 9: OrderInfo("bafkreiother", b"\x02" * 32)}
    file.save(Cursor("0xg", 42, "0xabc", [(40, "0x40"), (41, "0x41")]), {"pending": pool_to_json(pool)})
    cursor, state = file.load("0xg", start_block=1)
    assert (cursor.block, cursor.hash, cursor.earlier) == (42, "0xabc", [(40, "0x40"), (41, "0x41")])
    assert pool_from_json(state["pending"]) == pool


def test_checkpoint__replaced_atomically_no_temporary_left(tmp_path):
    file = CheckpointFile(tmp_path / "checkpoint.json")
    file.save(Cursor("0xg", 1, "0x1"), {})
    file.save(Cursor("0xg", 2, "0x2"), {})
    assert file.load("0xg", start_block=0)[0].block == 2
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]


def test_checkpoint__of_another_chain__refused(tmp_path):
    file = CheckpointFile(tmp_path / "checkpoint.json")
    file.save(Cursor("0xaaaa", 50, "0x50"), {})
    assert file.load("0xaaaa", start_block=1)[0].block == 50
    with pytest.raises(ImseError, match="belongs to another chain"):
        file.load("0xbbbb", start_block=1)


@pytest.mark.parametrize("text", ["", "{", "[]", '{"block": "x"}', '{"hash": "0x1"}'])
def test_checkpoint__damaged_file__clear_error_naming_it(tmp_path, text):
    path = tmp_path / "checkpoint.json"
    path.write_text(text)
    with pytest.raises(ImseError, match=r"checkpoint .*checkpoint\.json is damaged"):
        CheckpointFile(path).load("0xg", start_block=1)
