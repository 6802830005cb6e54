"""The exception tree of imseStudio. Every error the package raises on purpose derives from ImseError, and also from
the builtin it resembles, so callers can catch either.

    ImseError
    ├── ConfigError (ValueError)          bad configuration or parameters
    ├── ToolchainError (RuntimeError)     a required tool is missing or the wrong version
    └── AbiError (RuntimeError)           exported ABI files are missing or stale
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
