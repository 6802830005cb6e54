"""Services built on the chain SDK, shared by the scripts, the web and the agents: placing orders (a design read,
stored and turned into a request), the twin service and a twin's history (documents in the content store, their
digest on chain), rules (registered on chain, loaded back for the engine) and the read models (an order's story).

The SDK (`offchain.chain`) never imports a service; a service may use the SDK, the domain code and storage."""
