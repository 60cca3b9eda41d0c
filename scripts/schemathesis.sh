#!/usr/bin/env bash
# Property-based tests of the HTTP contract: schemathesis (pinned in scripts/perf-tools.sh)
# reads the LIVE OpenAPI document of a natively started api, generates requests for every
# operation — valid and invalid ones — and checks each response against the document: no 5xx,
# only documented status codes, content types and headers, bodies that match their schemas.
#
# A fresh database (created by `greetings-api migrate`), the debug api on a free loopback port,
# then a bounded run: at most SCHEMATHESIS_MAX_EXAMPLES generated cases per operation and phase,
# a fixed seed, no example database carried over between runs. The api is stopped and the
# database dropped on any exit. Exits non-zero when a check failed or schemathesis erred.
#
# Reports: reports/schemathesis/junit.xml, events.ndjson (every case, for the summary line),
# api.log. Knobs: SCHEMATHESIS_MAX_EXAMPLES (25), SCHEMATHESIS_SEED (1), SCHEMATHESIS_WORKERS (2),
# SCHEMATHESIS_AUTH_HEADER (default: "Authorization: Bearer <key>" with a key minted for the run
# holding every scope; sent with every request, the schema's included; never printed),
# SCHEMATHESIS_ARGS (more `schemathesis run` arguments),
# SCHEMATHESIS_KEEP=1 (keep the database).
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-25}
seed=${SCHEMATHESIS_SEED:-1}
workers=${SCHEMATHESIS_WORKERS:-2}
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
reports=reports/schemathesis

echo "== building (debug)"
cargo build --quiet -p greetings-api --bins
bin=target/debug/greetings-api
schemathesis=$(scripts/perf-tools.sh schemathesis)
scripts/ensure-services.sh >/dev/null
rm -rf "$reports" && mkdir -p "$reports"

server=${SCHEMATHESIS_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
db="greetings_schemathesis_$$_$RANDOM"
api_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$api_pid" ]; then
    kill -TERM "$api_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  if [ -z "${SCHEMATHESIS_KEEP:-}" ]; then
    psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  [ "$rc" -eq 0 ] || { echo "--- tail of $reports/api.log"; tail -n 20 "$reports/api.log" 2>/dev/null; } >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env=("DATABASE_URL=$server/$db" "GREETINGS__HTTP__LISTEN=127.0.0.1:$port" "GREETINGS__HTTP__WORKERS=2"
  "GREETINGS__SHUTDOWN__GRACE_SECONDS=2" "GREETINGS__LOG__LEVEL=${GREETINGS__LOG__LEVEL:-warn}")
echo "== database $db, api on 127.0.0.1:$port"
env "${env[@]}" "$bin" migrate >"$reports/migrate.log" 2>&1 || { cat "$reports/migrate.log" >&2; exit 1; }
if [ -z "${SCHEMATHESIS_AUTH_HEADER:-}" ]; then
  key=$(env "${env[@]}" "$bin" keys create --name schemathesis \
    --scopes users:read,users:write,admin 2>>"$reports/migrate.log")
  SCHEMATHESIS_AUTH_HEADER="Authorization: Bearer $key"
fi
env "${env[@]}" "$bin" >"$reports/api.log" 2>&1 &
api_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$base/health/ready" 2>/dev/null && break
  kill -0 "$api_pid" 2>/dev/null || { echo "the api exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "$base/health/ready" || { echo "the api did not become ready" >&2; exit 1; }

headers=()
if [ -n "${SCHEMATHESIS_AUTH_HEADER:-}" ]; then
  headers+=(--header "$SCHEMATHESIS_AUTH_HEADER")
  echo "== sending the ${SCHEMATHESIS_AUTH_HEADER%%:*} header from SCHEMATHESIS_AUTH_HEADER"
fi

echo "== schemathesis $("$schemathesis" --version | awk '{print $NF}'): $max_examples examples per operation, seed $seed"
rc=0
# shellcheck disable=SC2086 # SCHEMATHESIS_ARGS is a list of arguments
"$schemathesis" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" \
  "${headers[@]}" \
  --checks "$checks" \
  --max-examples "$max_examples" --seed "$seed" --generation-database none \
  --workers "$workers" --request-timeout 10 \
  --report junit,ndjson --report-dir "$reports" \
  --report-junit-path "$reports/junit.xml" --report-ndjson-path "$reports/events.ndjson" \
  --no-color ${SCHEMATHESIS_ARGS:-} || rc=$?

# One line for the log: what was tested, how much, and the verdict.
python3 - "$reports/events.ndjson" "$rc" <<'EOF'
import json, sys

operations, cases, failed = set(), 0, 0
try:
    lines = open(sys.argv[1]).readlines()
except FileNotFoundError:  # schemathesis stopped before testing anything
    lines = []
for line in lines:
    (kind, body), = json.loads(line).items()
    if kind != "ScenarioFinished":
        continue
    recorder = body.get("recorder", {})
    if body.get("phase") != "stateful":
        operations.add(recorder.get("label"))
    cases += len(recorder.get("cases", {}))
    failed += sum(check.get("status") == "failure"
                  for checks in recorder.get("checks", {}).values() for check in checks)
verdict = "passed" if sys.argv[2] == "0" else f"FAILED (exit {sys.argv[2]})"
print(f"schemathesis: {verdict}: {len(operations)} operations, {cases} generated test cases, "
      f"{failed} failed checks (reports/schemathesis/)")
EOF
exit "$rc"
