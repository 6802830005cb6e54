"""The web platform layer every explorer stands on: settings, the web database (store), the chain index and its
events, sign-in (SIWE, sessions), the HTTP errors, the Host check, limits and live streams, the transaction
lifecycle's pre-flight, the faucet service and the gas card, the matcher's report and housekeeping;
`build_platform(settings)` (build) makes them once per app.

An explorer (web.customer, web.ledger, web.gas, …) imports from here, never from another explorer."""
