# kube-converge — every task a developer or CI runs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM ?= npm
STATE ?= examples/cluster
RUN_DIR ?= .cache/run

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# `npm ci`: exactly the committed lockfile (every platform's optional bindings listed), or an error.
node_modules: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch node_modules

.PHONY: install
install: node_modules ## install the npm dependencies (the locked versions)

.PHONY: build
build: node_modules ## compile TypeScript to dist/
	$(NPM) run build

.PHONY: run
run: build ## run the webhook + extender on the embedded example cluster (no cluster needed)
	@mkdir -p $(RUN_DIR)
	node dist/cli/bin.js serve --state $(STATE) --ca-out $(RUN_DIR)/ca.crt \
	  --webhook-port 8443 --extender-port 8099 --metrics-port 9090

.PHONY: mutate
mutate: build ## admit examples/workloads.yaml offline and explain each decision
	node dist/cli/bin.js mutate -f examples/workloads.yaml --state $(STATE) --explain

.PHONY: score
score: build ## score examples/pods/orders-db.yaml against the example cluster
	node dist/cli/bin.js score -f examples/pods/orders-db.yaml --state $(STATE)

.PHONY: test
test: node_modules control-plane ## every test: types, lint, unit, HTTP, end to end (real control plane)
	$(NPM) test

.PHONY: test-unit
test-unit: node_modules ## unit and in-process HTTP tests only (no control plane)
	$(NPM) run test:unit

.PHONY: test-e2e
test-e2e: node_modules control-plane ## end-to-end tests against kube-apiserver, controller-manager, scheduler
	$(NPM) run test:e2e

.PHONY: lint
lint: node_modules ## typecheck, eslint, prettier
	$(NPM) run typecheck && $(NPM) run lint

.PHONY: demo
demo: build control-plane ## the examples on a real local control plane: where each pod lands, and why
	$(NPM) exec --no -- tsc -p scripts/demo/tsconfig.json
	node dist/.demo/scripts/demo/demo.js

.PHONY: bench
bench: node_modules ## every benchmark, side by side with its baseline; writes bench/results and BENCHMARKS.md
	$(NPM) run bench

.PHONY: control-plane
control-plane: ## build (or reuse) kube-apiserver, kube-controller-manager, kube-scheduler, etcd, helm
	bash scripts/control-plane/build.sh

.PHONY: certs
certs: build ## development certificates under certs/ (not committed)
	node dist/cli/bin.js certs --out certs --dns localhost --dns kube-converge.kube-converge.svc --ip 127.0.0.1 --force

.PHONY: clean
clean: ## remove build output and run files
	rm -rf dist coverage $(RUN_DIR)
