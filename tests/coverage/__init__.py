"""Contract coverage for `ape test --coverage` on anvil (ape-solidity implements none of ape's coverage hooks)."""
