#!/usr/bin/env bash
# The domain crate must not depend on any database, HTTP or broker crate.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(diesel|diesel-async|tokio-postgres|lapin|amq-protocol|actix-web|actix-http|hyper|reqwest|tokio)$'
found=$(cargo tree -p greetings-domain --edges normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E "$forbidden" || true)
if [ -n "$found" ]; then
  echo "greetings-domain depends on I/O crates: $found" >&2
  exit 1
fi
echo "greetings-domain is pure"
