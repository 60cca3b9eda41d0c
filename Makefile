# Thin wrappers around the real tools; `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build every binary (debug)
	cargo build --workspace --bins

run: build ## run the whole system as native processes against local Postgres and RabbitMQ
	scripts/run-local.sh

test: tools lint deny ## the whole suite: lints, dependency policy, schema and deploy checks, all tests, schemathesis, observability proof, k6 smoke
	scripts/check-domain-purity.sh
	scripts/check-schema.sh
	cargo test --workspace --all-targets
	cargo test --workspace --doc
	$(MAKE) check-deploy
	$(MAKE) schemathesis
	$(MAKE) observability-proof
	$(MAKE) k6-smoke

tools: ## install the checkers the suite uses (diesel_cli, cargo-deny, promtool, k6, schema validators); idempotent
	scripts/install-tools.sh

lint: ## formatting and clippy, warnings are errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# The fetch is a no-op once a build has filled cargo's cache; the check itself never touches
# the network (advisories need it, so the forge's CI runs those: .github/workflows/ci.yml).
deny: ## dependency policy (deny.toml): licenses, bans, sources; offline, from Cargo.lock
	cargo fetch --locked --target x86_64-unknown-linux-gnu --quiet
	cargo deny --offline check --hide-inclusion-graph licenses bans sources

up: .env ## build the images and run the whole stack with docker compose (URLs: docker-compose.yml)
	GREETINGS_GIT_COMMIT=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) docker compose up -d --build
	@# The api refuses to start without a live key (it restarts until one exists): mint one once.
	test -s .api-key || (umask 077 && docker compose run --rm migrate keys create --name compose \
		--scopes users:read,users:write,admin >.api-key)
	docker compose ps

down: ## stop the docker compose stack (data volumes stay; `docker compose down -v` drops them)
	docker compose down

clean: ## remove build output and local run state
	cargo clean
	rm -rf .run reports

.PHONY: help build run test tools lint deny up down clean bench-scheduler bench-delivery

bench-scheduler: ## materialise 1M users and claim+publish 100k due occurrences (release build)
	cargo run --release -p greetings-scheduler --example bench_scheduler

bench-delivery: ## 100k occurrences due at one instant through the native pipeline (release build)
	cargo build --release --bins
	cargo run --release -p greetings-worker --example bench_delivery

.env:
	scripts/init-env.sh

check-deploy: ## validate docker-compose.yml, deploy/kubernetes overlays, alertmanager and CI workflows
	scripts/check-deploy.sh

docs: ## API docs of every crate (target/doc/greetings_api/index.html); operations docs are in docs/
	cargo doc --workspace --no-deps

images: ## build the four container images (needs a Docker engine)
	GREETINGS_GIT_COMMIT=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) docker compose build

.PHONY: check-deploy docs images

observability-proof: ## rules, dashboards and a real Prometheus against the running services: every query's series exist
	scripts/observability-proof.sh

.PHONY: observability-proof

schemathesis: ## schemathesis against the live OpenAPI document of a native api: no 5xx, responses as documented
	scripts/schemathesis.sh

.PHONY: schemathesis

k6-smoke: ## k6: all four suites (api, scheduler, worker, e2e) at smoke size on native processes; CI runs it
	scripts/k6.sh smoke

k6-load: ## k6: all four suites at load size, release build (api ramps to 1,000 VUs)
	scripts/k6.sh load

k6-spike: ## k6: sudden surges (api 20 -> 1,500 VUs, creation bursts, a 10 s e-mail outage at 09:00)
	scripts/k6.sh spike

k6-stress: ## k6: past the targets (api to 2,000 VUs, 100k occurrences due at once, a flaky slow vendor)
	scripts/k6.sh stress

k6-soak: ## k6: long runs (SOAK_MINUTES, default 60 for the 09:00 waves, 30 for the api)
	scripts/k6.sh soak

bench: ## the benchmark harness: scheduler, delivery bursts, k6 API load; one table and a plot in reports/bench
	scripts/bench.sh

.PHONY: k6-smoke k6-load k6-spike k6-stress k6-soak bench
