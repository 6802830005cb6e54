"""Gas for new accounts: the faucet's policy, its drip ledger, the sending service and its pages (`views`)."""
