"""The web server as a background service of the local platform: start (and wait until it answers), stop, status.
Files in its state dir: web.pid, web.log (the server's own output)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from offchain import process
from offchain.exceptions import ConfigError
from offchain.process import Progress
from web.platform.settings import WebSettings


@dataclass(frozen=True)
class WebStatus:
    running: bool
    pid: int | None
    url: str
    log: Path


class WebService:
    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.pid_file = settings.state_dir / "web.pid"
        self.log = settings.state_dir / "web.log"
        self.url = f"http://{settings.host}:{settings.port}/"
        """Where this machine reaches the server (its readiness check)."""
        self.public_url = settings.public_origin + "/"
        """Where users open it."""

    @property
    def _marker(self) -> str:
        return str(self.settings.state_dir)

    def pid(self) -> int | None:
        return process.running_pid(self.pid_file, self._marker)

    def start(self, *, timeout: float = 30.0, progress: Progress = process.quiet) -> int:
        """Starts the server unless it runs; waits until /healthz answers. Returns its pid."""
        if (pid := self.pid()) is not None:
            progress(f"web server already running (pid {pid}) at {self.url}")
            return pid
        if not self.settings.registry.is_file():
            raise ConfigError(f"no deployment registry at {self.settings.registry}: deploy first (`ape run deploy`)")
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        s = self.settings
        command = [sys.executable, "-m", "web.serve", "--state-dir", str(s.state_dir), "--host", s.host,
                   "--port", str(s.port), "--rpc", s.rpc_url, "--registry", str(s.registry),
                   "--ipfs", s.ipfs_url, "--origin", s.public_origin, "--trusted-proxy", s.trusted_proxy]  # fmt: skip
        command += [arg for host in s.allowed_hosts for arg in ("--allowed-host", host)]
        command += ["--matcher-report", str(s.matcher_report)] if s.matcher_report else []
        progress(f"starting the web server on {self.url} (log {self.log})")
        # the faucet's key travels in the environment, never on the command line (which `ps` shows)
        env = {"IMSE_WEB_FAUCET_KEY": s.faucet_key} if s.faucet_key else None
        child = process.spawn(command, log=self.log, pid_file=self.pid_file, env=env)
        deadline = time.monotonic() + timeout
        while True:
            if child.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ConfigError(f"the web server exited ({child.returncode}):\n{process.log_tail(self.log)}")
            try:
                if httpx.get(self.url + "healthz", timeout=2).status_code == 200:
                    return child.pid
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                process.stop(self.pid_file, self._marker, timeout=5, name="web server")
                raise ConfigError(f"the web server did not answer in {timeout:.0f} s:\n{process.log_tail(self.log)}")
            time.sleep(0.2)

    def stop(self, *, progress: Progress = process.quiet) -> bool:
        return process.stop(self.pid_file, self._marker, timeout=10, name="web server", progress=progress)

    def status(self) -> WebStatus:
        pid = self.pid()
        return WebStatus(pid is not None, pid, self.url, self.log)
