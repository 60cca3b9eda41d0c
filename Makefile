# Thin wrappers around the real tools; `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build every binary (debug)
	cargo build --workspace --bins

run: build ## run the whole system as native processes against local Postgres and RabbitMQ
	scripts/run-local.sh

test: lint ## the whole test suite: lints, schema check, every test against real services
	scripts/check-domain-purity.sh
	scripts/check-schema.sh
	cargo test --workspace --all-targets
	cargo test --workspace --doc

lint: ## formatting and clippy, warnings are errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

up: ## run the stack with docker compose
	docker compose up -d --build

down: ## stop the docker compose stack
	docker compose down

clean: ## remove build output and local run state
	cargo clean
	rm -rf .run reports

.PHONY: help build run test lint up down clean bench-scheduler

bench-scheduler: ## materialise 1M users and claim+publish 100k due occurrences (release build)
	cargo run --release -p greetings-scheduler --example bench_scheduler
