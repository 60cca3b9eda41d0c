#!/usr/bin/env bash
# GET /api/v1/users/{id} with a light load generator: wrk (C, one thread) instead of k6, to see
# how much of the read figure in `make bench` is k6's own CPU on the shared cores. The release
# api on a fresh database, BENCH_SEED users created first, then BENCH_CONNECTIONS connections
# for BENCH_SECONDS reading random ones of them. Prints wrk's figures (req/s, latency
# percentiles) and the CPU of the api, its Postgres backends and wrk from /proc.
#
#   scripts/bench-read-wrk.sh            (after `cargo build --release -p greetings-api`)
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${BENCH_SEED:-2000}
connections=${BENCH_CONNECTIONS:-64}
seconds=${BENCH_SECONDS:-30}
server=${BENCH_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
bin=target/release/greetings-api
command -v wrk >/dev/null || { echo "wrk is missing (Debian package wrk)" >&2; exit 1; }
[ -x "$bin" ] || { echo "$bin is missing: cargo build --release -p greetings-api" >&2; exit 1; }

db="greetings_bench_wrk_$$" work=$(mktemp -d) api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill -TERM "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env=(DATABASE_URL="$server/$db" GREETINGS__LOG__LEVEL=warn GREETINGS__HTTP__LISTEN="127.0.0.1:$port"
  GREETINGS__RATE_LIMIT__PER_KEY_BURST=1000000 GREETINGS__RATE_LIMIT__PER_ADDRESS_BURST=1000000)
env "${env[@]}" "$bin" migrate >/dev/null
key=$(env "${env[@]}" "$bin" keys create --name wrk --scopes users:read,users:write 2>/dev/null)
env "${env[@]}" "$bin" >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break; sleep 0.1; done

API="http://127.0.0.1:$port" KEY="$key" SEED="$seed" python3 - >"$work/ids" <<'PY'
import json, os, concurrent.futures, urllib.request
api, key, seed = os.environ["API"], os.environ["KEY"], int(os.environ["SEED"])
def create(i):
    body = json.dumps({"firstName": "Read", "lastName": f"Bench{i}", "email": f"wrk.{i}@example.test",
                       "timezone": "Europe/Lisbon", "birthday": "1990-06-15"}).encode()
    request = urllib.request.Request(f"{api}/api/v1/users", body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["id"]
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    for user_id in pool.map(create, range(seed)):
        print(user_id)
PY
echo "seeded $(wc -l <"$work/ids") users"

cat >"$work/read.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_KEY")
request = function()
  return wrk.format("GET", "/api/v1/users/" .. ids[math.random(#ids)])
end
LUA

proc_cpu() { # pids... → their user + system CPU seconds
  local p
  for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
    awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); t += f[12] + f[13]} END {print t / hz}'
}
pg_pids() { psql -At "$server/postgres" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$db'"; }
api_before=$(proc_cpu "$api_pid")
# shellcheck disable=SC2046 # one pid per word
pg_before=$(proc_cpu $(pg_pids))
# `times` in this shell (not a subshell): the reaped children's total grows by wrk alone.
children_cpu() { awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"; }
times >"$work/times-before"
IDS_FILE="$work/ids" API_KEY="$key" wrk -t1 -c"$connections" -d"${seconds}s" --latency \
  -s "$work/read.lua" "http://127.0.0.1:$port" >"$work/wrk.txt"
times >"$work/times-after"
wrk_cpu=$(awk -v a="$(children_cpu "$work/times-before")" -v b="$(children_cpu "$work/times-after")" 'BEGIN {print b - a}')
cat "$work/wrk.txt"
api_after=$(proc_cpu "$api_pid")
# shellcheck disable=SC2046
pg_after=$(proc_cpu $(pg_pids))
awk -v s="$seconds" -v a="$api_after" -v b="$api_before" -v p="$pg_after" -v q="$pg_before" -v w="$wrk_cpu" 'BEGIN {
  printf "CPU over %d s: api %.2f cores, its Postgres backends %.2f cores, wrk %.2f cores\n", s, (a - b) / s, (p - q) / s, w / s }'
echo "command: BENCH_SEED=$seed BENCH_CONNECTIONS=$connections BENCH_SECONDS=$seconds scripts/bench-read-wrk.sh (git $(git rev-parse --short HEAD))"
