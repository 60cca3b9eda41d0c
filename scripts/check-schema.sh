#!/usr/bin/env bash
# Fails when crates/db/src/schema.rs differs from what diesel prints for the migrations.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="greetings_schema_check_$$"
url="${server%/*}/$db"
trap 'psql "$server" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
DATABASE_URL="$url" GREETINGS__LOG__LEVEL=warn cargo run -q -p greetings-api -- migrate >/dev/null
diesel print-schema --database-url "$url" --except-tables __diesel_schema_migrations > target/schema.printed.rs
if ! diff -u crates/db/src/schema.rs target/schema.printed.rs; then
  echo "schema.rs is stale: regenerate it with scripts/check-schema.sh output (target/schema.printed.rs)" >&2
  exit 1
fi
echo "schema.rs matches the migrations"
