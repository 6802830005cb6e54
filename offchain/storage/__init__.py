"""Content store: the Storage interface, the kubo RPC client and the in-memory fake."""
