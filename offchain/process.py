"""Background server processes (geth nodes, kubo daemons) recorded in pid files.

A pid file alone is never trusted: a process counts as ours only while its command line contains a marker (its own
data folder), so a recycled pid is never signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

Progress = Callable[[str], None]
# Processes this Python process started (tests start and stop servers in-process): kept so they are reaped through
# their Popen handle and never garbage-collected while running.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def quiet(_message: str) -> None:
    """A progress callback that says nothing."""


def spawn(
    command: Sequence[str], *, log: Path, pid_file: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Starts a server in its own session (it outlives the command that started it), output appended to `log`."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=None if env is None else {**os.environ, **env},
        )
    pid_file.write_text(f"{process.pid}\n")
    _CHILDREN[process.pid] = process
    return process


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid recorded in `pid_file` if that process runs (not a zombie) and its command line contains `marker`."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    if not any(marker.encode() in part for part in cmdline) or state == "Z":
        return None
    return pid


def alive(pid_file: Path, marker: str, pid: int) -> bool:
    """Whether the process still runs; reaps it when it is our own child, so no zombie is left."""
    if (child := _CHILDREN.get(pid)) is not None and child.poll() is not None:
        del _CHILDREN[pid]
        return False
    return running_pid(pid_file, marker) is not None


def stop(pid_file: Path, marker: str, *, timeout: float, name: str, progress: Progress = quiet) -> bool:
    """Stops the process gracefully (SIGTERM, then SIGKILL after `timeout`); False when it was not running."""
    pid = running_pid(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    progress(f"stopping {name} (pid {pid})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid_file, marker, pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid_file, marker, pid):
        progress(f"{name} did not stop in {timeout:.0f} s: killing it")
        kill(pid_file, marker)
    pid_file.unlink(missing_ok=True)
    return True


def kill(pid_file: Path, marker: str) -> None:
    """Kills the process abruptly (SIGKILL), as a crash would."""
    if pid := running_pid(pid_file, marker):
        os.kill(pid, signal.SIGKILL)
        while alive(pid_file, marker, pid):
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
