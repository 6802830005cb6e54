"""Files: the content store (private IPFS swarm through kubo's RPC, or an in-memory fake), STL intake, slicing."""
