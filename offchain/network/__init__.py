"""The consortium chain: clique genesis, the four geth nodes (boot, customer, printer, matcher), voting."""
