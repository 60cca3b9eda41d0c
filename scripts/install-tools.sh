#!/usr/bin/env bash
# Installs the tools the checks use, from the registries this machine reaches. Idempotent.
set -euo pipefail

if ! command -v diesel >/dev/null 2>&1; then
  if ! dpkg -s libpq-dev >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq libpq-dev
  fi
  cargo install diesel_cli --no-default-features --features postgres --locked --quiet
fi
diesel --version
