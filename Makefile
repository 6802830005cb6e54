# imseStudio — the README's two commands and their parts. Every target installs what it needs first
# (tools/install.sh is idempotent and takes seconds once the toolchain is there).
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv/bin
APE := $(VENV)/ape

.PHONY: help install up down status compile abi test lint typecheck pytest coverage gas clean
NETWORK := ethereum:imse:node
DEPLOYER := TEST::0
MATCHER := TEST::3
FAUCET := TEST::19

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

install: ## install the whole toolchain into the project (apt, .venv, node_modules, .tools)
	@tools/install.sh

up: install compile ## bring up the platform: genesis (if none), 4-node clique network, deploy (if needed), IPFS swarm, matcher bot, web server
	@$(APE) run abi check
	@test -f "$${IMSE_NETWORK_DIR:-data/network}/network.json" || $(APE) run genesis
	@$(APE) run network up
	@$(APE) run deploy --network $(NETWORK) --account $(DEPLOYER)
	@$(APE) run ipfs up
	@$(APE) run bot up --network $(NETWORK) --account $(MATCHER)
	@$(APE) run web up --faucet-account $(FAUCET) >/dev/null
	@echo "registry: deployments/imse.json · IPFS API: http://127.0.0.1:30510 · bot log: data/matcher/bot.log"
	@echo "RPC: http://127.0.0.1:30410 · web log: data/web/web.log · status: make status · stop: make down"
	@echo "imseStudio: http://127.0.0.1:$${IMSE_WEB_PORT:-30600}/"
	@echo "New here? Open http://127.0.0.1:$${IMSE_WEB_PORT:-30600}/ in a browser: its guide takes you to a first order; no MetaMask needed (a dev wallet is offered on this dev network)."

down: install ## stop the web server, the matcher bot, the clique network and the IPFS swarm (data is kept; `make up` resumes all)
	@$(APE) run web down
	@$(APE) run bot down
	@$(APE) run ipfs down
	@$(APE) run network down

status: install ## status tables of the network, the IPFS swarm, the matcher bot and the web server
	@$(APE) run network status
	@$(APE) run ipfs status
	@$(APE) run bot status
	@$(APE) run web status

compile: install ## compile the contracts
	@$(APE) compile

abi: compile ## regenerate interfaces/*.json from the compiled contracts
	@$(APE) run abi export

lint: install ## ruff (lint + format check)
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

typecheck: install ## mypy on the offchain and web packages
	$(VENV)/mypy

pytest: install ## every pytest suite through ape (contracts, off-chain, toolchain, slither)
	@# --force: ape 0.8's incremental compile can miss contracts whose imported interface changed
	@$(APE) compile --force
	$(APE) test tests

coverage: compile ## contract suite on anvil (ape-foundry) with coverage: table, .build/coverage/; fails below 95 % / every branch
	@# the stateful test at 10 runs: every one of its transactions is traced twice
	IMSE_STATEFUL_EXAMPLES=10 $(APE) test tests/contracts --network ethereum:local:foundry --coverage -p no:cacheprovider
	$(VENV)/python -m tests.coverage.check --statements 95 --branches 100

test: lint typecheck pytest coverage ## run every check and test (the CI command)

gas: compile ## gas of every state-changing function vs the targets (table; fails when over)
	$(APE) run gas

clean: ## remove build outputs (keeps the toolchain)
	rm -rf .build contracts/.cache .pytest_cache .mypy_cache .ruff_cache
