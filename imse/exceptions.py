"""The exception tree of imseStudio. Every error the package raises on purpose derives from ImseError, and also from
the builtin it resembles, so callers can catch either.

    ImseError
    ├── ConfigError (ValueError)          bad configuration or parameters
    ├── ToolchainError (RuntimeError)     a required tool is missing or the wrong version
    ├── AbiError (RuntimeError)           exported ABI files are missing or stale
    ├── NetworkError (RuntimeError)       the clique network cannot do what was asked
    │   ├── NetworkExistsError            a network folder is already there (use --force)
    │   ├── NetworkMissingError           no network has been created in that folder
    │   ├── NodeStartError                a geth node did not start or did not become ready
    │   └── RpcError                      a node's RPC is unreachable or answered an error
    └── RegistryError (LookupError)       no deployment registry, or it does not match the chain
"""

from __future__ import annotations


class ImseError(Exception):
    """Root of every error raised by imseStudio on purpose."""


class ConfigError(ImseError, ValueError):
    """Configuration or parameters are invalid."""


class ToolchainError(ImseError, RuntimeError):
    """A required tool is missing or has the wrong version."""


class AbiError(ImseError, RuntimeError):
    """The exported ABI files under interfaces/ do not match the compiled contracts."""

    def __init__(self, stale: list[str]) -> None:
        self.stale = stale
        super().__init__("exported ABIs are stale or missing for: " + ", ".join(stale) + " (run: ape run abi export)")


class NetworkError(ImseError, RuntimeError):
    """The clique network cannot do what was asked."""


class NetworkExistsError(NetworkError):
    """A network already exists where a new one was to be created."""

    def __init__(self, root: object) -> None:
        super().__init__(f"a network already exists in {root} (pass --force to replace it; its chain data is lost)")


class NetworkMissingError(NetworkError):
    """No network has been created in the folder."""

    def __init__(self, root: object) -> None:
        super().__init__(f"no network in {root}: create one with `ape run genesis`")


class NodeStartError(NetworkError):
    """A geth node did not start, or did not become ready in time."""

    def __init__(self, node: str, reason: str, log_tail: str = "") -> None:
        self.node = node
        tail = f"\nlast lines of its log:\n{log_tail}" if log_tail else ""
        super().__init__(f"node {node}: {reason}{tail}")


class RpcError(NetworkError):
    """A node's JSON-RPC endpoint is unreachable or answered an error."""

    def __init__(self, url: str, method: str, reason: str) -> None:
        self.url, self.method, self.reason = url, method, reason
        super().__init__(f"{method} at {url}: {reason}")


class RegistryError(ImseError, LookupError):
    """No deployment registry for the network, or it does not match the chain."""
