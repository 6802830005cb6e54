"""Digital twins: JSON Schema per resource kind, canonical hashing, capability summaries, local drafts, and
publishing / patching / verifying twins on TwinRegistry + IPFS."""
