"""imseStudio: blockchain-enabled digital twin platform for service manufacturing.

Off-chain code of the platform: chain SDK (contract enums, deployment), matching (rule engine, starting with the
basic constraints shared with MatchLedger), and the command line. See README.md and docs/ for the whole picture.
"""

__version__ = "0.1.0"
