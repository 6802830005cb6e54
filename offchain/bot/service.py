"""The matcher bot as a managed background service (what `make up` / `make status` / `make down` drive):

    data/matcher/bot.pid          the running bot (trusted only while its command line names this folder)
    data/matcher/bot.log          its log (appended; each start is marked)
    data/matcher/checkpoint.json  the event follower's checkpoint and the pending pool
    data/matcher/slicer/          the slicer's cache

The key reaches the bot through its environment ($IMSE_MATCHER_KEY), never its command line (which `ps` shows).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from offchain import process
from offchain.exceptions import ImseError

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def bot_command(
    rpc_url: str, registry_file: Path, ipfs_api: str, rule_id: int, folder: Path, *, confirmations: int | None = None
) -> list[str]:
    """The `imse matcher run` command line of a bot whose checkpoint and slicer cache live in `folder`."""
    command = [
        str(Path(sys.executable).with_name("imse")), "matcher", "run", "--rpc", rpc_url,
        "--registry", str(registry_file), "--ipfs-api", ipfs_api, "--rule-id", str(rule_id),
        "--state", str(folder / "checkpoint.json"), "--cache-dir", str(folder / "slicer"), "--poll", "0.5",
    ]  # fmt: skip
    return command + (["--confirmations", str(confirmations)] if confirmations is not None else [])


@dataclass(frozen=True)
class BotStatus:
    pid: int | None
    checkpoint_block: int | None
    pending: int | None
    log: Path
    rpc: str | None = None  # the node it was started on
    rule_id: int | None = None

    @property
    def running(self) -> bool:
        return self.pid is not None


class BotService:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.pid_file = self.folder / "bot.pid"
        self.log = self.folder / "bot.log"
        self.checkpoint = self.folder / "checkpoint.json"
        self.started = self.folder / "bot.json"  # how the running bot was started (node, rule)
        self._marker = str(self.checkpoint)  # on the bot's command line (--state)

    def pid(self) -> int | None:
        return process.running_pid(self.pid_file, self._marker)

    def start(
        self,
        rpc_url: str,
        registry_file: Path,
        ipfs_api: str,
        rule_id: int,
        key: str,
        *,
        confirmations: int | None = None,
        progress: process.Progress = process.quiet,
    ) -> int:
        """Starts the bot unless it runs; waits until it has loaded its rule and logged its checkpoint. ImseError
        with the log's tail when it exits or stays silent instead."""
        if (pid := self.pid()) is not None:
            progress(f"matcher bot already running (pid {pid}, log {self.log})")
            return pid
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as out:
            out.write(f"--- started {time.strftime('%Y-%m-%d %H:%M:%S')} with rule {rule_id}\n")
        offset = self.log.stat().st_size
        registry = registry_file.resolve()
        command = bot_command(rpc_url, registry, ipfs_api, rule_id, self.folder, confirmations=confirmations)
        child = process.spawn(command, log=self.log, pid_file=self.pid_file, env={"IMSE_MATCHER_KEY": key})
        self.started.write_text(json.dumps({"rpc": rpc_url, "rule_id": rule_id, "registry": str(registry)}) + "\n")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if child.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ImseError(f"the matcher bot exited at start ({self.log}):\n{process.log_tail(self.log)}")
            with self.log.open("rb") as text:
                text.seek(offset)
                if b" matcher 0x" in text.read():
                    progress(f"matcher bot running (pid {child.pid}, rule {rule_id}, log {self.log})")
                    return child.pid
            time.sleep(0.2)
        self.stop()
        raise ImseError(f"the matcher bot did not start in {START_TIMEOUT:.0f} s:\n{process.log_tail(self.log)}")

    def stop(self, progress: process.Progress = process.quiet) -> bool:
        """Stops the bot (SIGTERM: it finishes the span in hand); False when it was not running."""
        name = "the matcher bot"
        return process.stop(self.pid_file, self._marker, timeout=STOP_TIMEOUT, name=name, progress=progress)

    def status(self) -> BotStatus:
        block = pending = None
        try:
            data = json.loads(self.checkpoint.read_text())
            block, pending = int(data["block"]), len(data.get("state", {}).get("pending", {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no checkpoint yet (or not readable): status says so
        try:
            started = json.loads(self.started.read_text())
            rpc, rule = str(started["rpc"]), int(started["rule_id"])
        except (OSError, ValueError, KeyError, TypeError):
            rpc, rule = None, None
        return BotStatus(self.pid(), block, pending, self.log, rpc, rule)
