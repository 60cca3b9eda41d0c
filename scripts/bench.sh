#!/usr/bin/env bash
# `make bench`: every performance figure of docs/performance.md from one command, on this
# machine, with everything co-located. Release build; each step bounded in time.
#
#   1. scheduler: bench_scheduler example — materialise BENCH_USERS users' occurrences, then
#      claim and publish BENCH_DUE occurrences due at one instant
#   2. delivery: bench_delivery example (native email-sim, scheduler, worker) three times —
#      BENCH_BURST messages due at one instant, BENCH_SMALL_BURST, and BENCH_SMALL_BURST with
#      BENCH_BURST_ERROR_RATE of the e-mail calls failing (5xx)
#   3. api: the release api on a fresh database under k6 (k6/api.js SCENARIO=bench):
#      closed-loop POST /api/v1/users, then GET /api/v1/users/{id}, BENCH_API_VUS VUs for
#      BENCH_API_SECONDS each; its peak RSS and CPU from /proc
#   4. scripts/bench_report.py parses every output into one table (reports/bench/results.md)
#      and plots delivered/s and backlog over time (reports/bench/delivery.png)
#
# Small sizes for a quick check: BENCH_USERS=20000 BENCH_DUE=5000 BENCH_BURST=5000
# BENCH_SMALL_BURST=2000 BENCH_API_SECONDS=5 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

users=${BENCH_USERS:-1000000}
due=${BENCH_DUE:-100000}
burst=${BENCH_BURST:-100000}
small=${BENCH_SMALL_BURST:-10000}
error_rate=${BENCH_BURST_ERROR_RATE:-0.1}
api_vus=${BENCH_API_VUS:-64}
api_seconds=${BENCH_API_SECONDS:-30}
out=reports/bench
server=${BENCH_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}

mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.csv "$out"/*.json "$out"/*.png "$out"/results.md

echo "== building (release)"
cargo build --release --workspace --bins --examples
scripts/ensure-services.sh
k6=$(scripts/perf-tools.sh k6)
python=$(scripts/perf-tools.sh python)

{
  echo "cores: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "started: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
  echo "sizes: BENCH_USERS=$users BENCH_DUE=$due BENCH_BURST=$burst BENCH_SMALL_BURST=$small BENCH_BURST_ERROR_RATE=$error_rate BENCH_API_VUS=$api_vus BENCH_API_SECONDS=$api_seconds"
} >"$out/machine.txt"
cat "$out/machine.txt"

echo "== 1/4 scheduler: $users users materialised, $due due occurrences claimed and published"
BENCH_USERS=$users BENCH_DUE=$due timeout 1800 \
  cargo run -q --release -p greetings-scheduler --example bench_scheduler | tee "$out/scheduler.txt"

delivery() { # name, messages, error rate
  echo "== 2/4 delivery '$1': $2 messages due at one instant, e-mail error rate $3"
  BENCH_MESSAGES=$2 BENCH_ERROR_RATE=$3 BENCH_TIMELINE="$out/timeline-$1.csv" timeout 900 \
    cargo run -q --release -p greetings-worker --example bench_delivery | tee "$out/delivery-$1.txt"
}
delivery burst "$burst" 0
delivery small "$small" 0
delivery errors "$small" "$error_rate"

echo "== 3/4 api: k6 closed loop, $api_vus VUs, ${api_seconds}s create then ${api_seconds}s read"
db="greetings_bench_api_$$"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill -TERM "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="$server/$db" GREETINGS__LOG__LEVEL=warn GREETINGS__HTTP__LISTEN="127.0.0.1:$port"
target/release/greetings-api migrate >/dev/null
target/release/greetings-api >"$out/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break; sleep 0.1; done
started=$(date +%s.%N)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
rc=0
K6_NO_USAGE_REPORT=true SCENARIO=bench REPORT_DIR="$out" API_URL="http://127.0.0.1:$port" \
  BENCH_VUS=$api_vus BENCH_SECONDS=$api_seconds RUN_ID="bench$$" \
  timeout --signal=INT $((api_seconds * 2 + 300)) "$k6" run --quiet --no-color k6/api.js || rc=$?
ended=$(date +%s.%N)
{
  echo "peak_rss_mib $(awk '/^VmHWM:/ {print $2 / 1024}' "/proc/$api_pid/status" 2>/dev/null || echo nan)"
  echo "cpu_seconds $(awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) / hz}' "/proc/$api_pid/stat" 2>/dev/null || echo nan)"
  echo "wall_seconds $(awk -v a="$started" -v b="$ended" 'BEGIN {print b - a}')"
  echo "k6_exit_code $rc"
} >"$out/api-process.txt"
cleanup
api_pid=""
trap - EXIT

echo "== 4/4 report"
"$python" scripts/bench_report.py "$out"
