#!/usr/bin/env bash
# Writes .env for docker-compose.yml from .env.example, each `change-me` replaced by its own
# random URL-safe password. Never overwrites an existing .env.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -e .env ]; then
  echo ".env exists; leaving it as it is"
  exit 0
fi
umask 077
while IFS= read -r line; do
  if [[ $line =~ ^([A-Z0-9_]+)=change-me$ ]]; then
    password=$(head -c 24 /dev/urandom | base64 | tr -d '+/=' | head -c 24)
    line="${BASH_REMATCH[1]}=$password"
  fi
  printf '%s\n' "$line"
done <.env.example >.env
echo "wrote .env with random passwords (Grafana: admin / GRAFANA_ADMIN_PASSWORD in .env)"
