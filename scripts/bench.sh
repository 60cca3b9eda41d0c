#!/usr/bin/env bash
# `make bench`: every performance figure of docs/performance.md from one command, on this
# machine, with everything co-located. Release build; every step bounded in time.
#
#   1. scheduler: the bench_scheduler example (`cargo run --release -p greetings-scheduler
#      --example bench_scheduler`) — materialise BENCH_USERS users' occurrences, then claim and
#      publish BENCH_DUE occurrences due at one instant
#   2. delivery: the bench_delivery example (`cargo run --release -p greetings-worker --example
#      bench_delivery`: native email-sim, scheduler and worker) three times — BENCH_BURST
#      messages due at one instant, BENCH_SMALL_BURST, and BENCH_SMALL_BURST with
#      BENCH_BURST_ERROR_RATE of the e-mail calls failing (5xx)
#   3. api: the release api on a fresh database under k6 (k6/api.js SCENARIO=bench):
#      closed-loop POST /api/v1/users, then GET /api/v1/users/{id}, BENCH_API_VUS VUs for
#      BENCH_API_SECONDS each; its peak RSS and CPU (and k6's CPU) from /proc
#   4. scripts/bench_report.py parses every output into one table (reports/bench/results.md)
#      and plots delivered/s and backlog over time (reports/bench/delivery.png)
#
# The examples are built by cargo and run as binaries, so the harness knows their process ids:
# whatever one leaves behind (its services if it panics, its `greetings_bench_<pid>` database,
# its `bench-<pid>` queues) is removed after it. A failed step is reported, the other steps
# still run, and the script exits non-zero.
#
# Small sizes for a quick check: BENCH_USERS=20000 BENCH_DUE=5000 BENCH_BURST=5000
# BENCH_SMALL_BURST=2000 BENCH_API_SECONDS=5 scripts/bench.sh
# BENCH_STEPS (default "scheduler delivery api") runs only some steps; the table then shows
# the others as not measured.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

users=${BENCH_USERS:-1000000}
due=${BENCH_DUE:-100000}
burst=${BENCH_BURST:-100000}
small=${BENCH_SMALL_BURST:-10000}
error_rate=${BENCH_BURST_ERROR_RATE:-0.1}
api_vus=${BENCH_API_VUS:-64}
api_seconds=${BENCH_API_SECONDS:-30}
out=reports/bench
server=${BENCH_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
failed=()
steps=" ${BENCH_STEPS:-scheduler delivery api} "
want() { [[ "$steps" == *" $1 "* ]]; }

mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.csv "$out"/*.json "$out"/*.png "$out"/*.log "$out"/results.md

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

leftovers() { # pid of a finished benchmark example: remove what it may have left behind
  local pid=$1 p
  for p in $(pgrep -f "$root/.*target/release/greetings-" || true); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q "^DATABASE_URL=.*/greetings_bench_$pid\$"; then
      echo "   stopping a service the benchmark left running (pid $p)"
      kill -TERM "$p" 2>/dev/null || true
    fi
  done
  psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS greetings_bench_$pid WITH (FORCE)" >/dev/null 2>&1 || true
  if command -v rabbitmqctl >/dev/null 2>&1; then
    for queue in "bench-$pid.deliveries" "bench-$pid.dead-letter"; do
      rabbitmqctl -q delete_queue "$queue" >/dev/null 2>&1 || true
    done
  fi
}

example() { # step name, seconds allowed, output file, binary, env assignments...
  local name=$1 limit=$2 output=$3 binary=$4 pid watchdog rc=0
  shift 4
  env "$@" "target/release/examples/$binary" >"$output" &
  pid=$!
  (sleep "$limit" && kill -TERM "$pid" 2>/dev/null) &
  watchdog=$!
  wait "$pid" || rc=$?
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  cat "$output"
  leftovers "$pid"
  if [ "$rc" -ne 0 ]; then
    echo "   $name failed (exit $rc)" >&2
    failed+=("$name (exit $rc)")
  fi
}

if want scheduler; then
  echo "== 1/4 scheduler: $users users materialised, $due due occurrences claimed and published"
  example scheduler 1800 "$out/scheduler.txt" bench_scheduler BENCH_USERS="$users" BENCH_DUE="$due"
fi

delivery() { # name, messages, error rate
  echo "== 2/4 delivery '$1': $2 messages due at one instant, e-mail error rate $3"
  example "delivery $1" 900 "$out/delivery-$1.txt" bench_delivery \
    BENCH_MESSAGES="$2" BENCH_ERROR_RATE="$3" BENCH_TIMELINE="$out/timeline-$1.csv"
}
if want delivery; then
  delivery burst "$burst" 0
  delivery small "$small" 0
  delivery errors "$small" "$error_rate"
fi

want api || {
  "$python" scripts/bench_report.py "$out"
  [ ${#failed[@]} -eq 0 ] || { echo "failed steps: ${failed[*]}" >&2; exit 1; }
  exit 0
}

echo "== 3/4 api: k6 closed loop, $api_vus VUs, ${api_seconds}s create then ${api_seconds}s read"
db="greetings_bench_api_$$"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill -TERM "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
children_cpu() { awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# k6 is one client with one key: the rate limits, meant for many clients, are lifted.
api_env=(DATABASE_URL="$server/$db" GREETINGS__LOG__LEVEL=warn GREETINGS__HTTP__LISTEN="127.0.0.1:$port"
  GREETINGS__RATE_LIMIT__PER_KEY_PER_SECOND=1000000 GREETINGS__RATE_LIMIT__PER_KEY_BURST=1000000
  GREETINGS__RATE_LIMIT__PER_ADDRESS_PER_SECOND=1000000 GREETINGS__RATE_LIMIT__PER_ADDRESS_BURST=1000000)
env "${api_env[@]}" target/release/greetings-api migrate >/dev/null
api_key=$(env "${api_env[@]}" target/release/greetings-api keys create --name bench --scopes users:read,users:write 2>/dev/null)
env "${api_env[@]}" target/release/greetings-api >"$out/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break; sleep 0.1; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
started=$(date +%s.%N)
times >"$out/.times-before" # k6's own CPU: the reaped children's total grows by it alone
rc=0
K6_NO_USAGE_REPORT=true SCENARIO=bench REPORT_DIR="$out" API_URL="http://127.0.0.1:$port" API_KEY="$api_key" \
  BENCH_VUS=$api_vus BENCH_SECONDS=$api_seconds RUN_ID="bench$$" \
  timeout --signal=INT $((api_seconds * 2 + 300)) "$k6" run --quiet --no-color k6/api.js || rc=$?
times >"$out/.times-after"
ended=$(date +%s.%N)
# The Postgres backends of the api's pool live as long as the api: their CPU is the database's
# share of the phase (the WAL writer and checkpointer, shared with the machine, are not in it).
pg_pids=$(psql -At "$server/postgres" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null || true)
proc_cpu() { # pids... → their user + system CPU seconds
  local p
  for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
    awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); t += f[12] + f[13]} END {print t / hz}'
}
{
  echo "peak_rss_mib $(awk '/^VmHWM:/ {print $2 / 1024}' "/proc/$api_pid/status" 2>/dev/null || echo nan)"
  echo "cpu_seconds $(proc_cpu "$api_pid")"
  # shellcheck disable=SC2086 # one pid per word
  echo "postgres_cpu_seconds $(proc_cpu $pg_pids)"
  echo "wall_seconds $(awk -v a="$started" -v b="$ended" 'BEGIN {print b - a}')"
  echo "k6_cpu_seconds $(awk -v a="$(children_cpu "$out/.times-before")" -v b="$(children_cpu "$out/.times-after")" 'BEGIN {print b - a}')"
  echo "k6_exit_code $rc"
} >"$out/api-process.txt"
cleanup
api_pid=""
trap - EXIT
[ "$rc" -eq 0 ] || failed+=("api k6 (exit $rc)")

echo "== 4/4 report"
"$python" scripts/bench_report.py "$out"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed steps (their figures read 'not measured'): ${failed[*]}" >&2
  exit 1
fi
