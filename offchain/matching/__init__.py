"""Matching of orders to printers. `constraints` is the reference model of MatchLedger's on-chain check."""
