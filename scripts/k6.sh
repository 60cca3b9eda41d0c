#!/usr/bin/env bash
# Runs k6 suites against the services as native processes on this machine. Functions return
# their failures explicitly: `set -e` does not apply inside `if run_suite`.
#
#   scripts/k6.sh <smoke|load|spike|stress|soak> [api|scheduler|worker|e2e ...]   (default: all)
#
# For each suite: a fresh database (created by `greetings-api migrate`) and RabbitMQ prefix,
# free loopback ports, and — except for the api suite — every service's clock shifted
# (GREETINGS__CLOCK__OFFSET_SECONDS) so that "now" is shortly before 09:00 in a group of zones
# (scripts/k6_plan.py). The suite runs bounded in time; then the processes are stopped, the
# database dropped and the queues deleted, even on Ctrl-C. Exits non-zero when any threshold
# (or the script) failed.
#
# Reports: reports/k6-<suite>-<scenario>.html (k6 web-dashboard export), .json (summary),
# reports/k6-logs/<suite>-<scenario>/*.log (service logs).
# Knobs: K6_PROFILE=debug|release (default: debug for smoke, release otherwise), LEAD_SECONDS,
# ANCHOR_ZONE (whose 09:00 the run waits for), SOAK_MINUTES, USERS, CREATE_VUS, K6_KEEP=1
# (keep the database and queues), K6_ARGS (extra `k6 run` arguments); GREETINGS__* variables
# reach the services unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 <smoke|load|spike|stress|soak> [api|scheduler|worker|e2e ...]" >&2; exit 2; }
scenario=${1:-}
case "$scenario" in smoke | load | spike | stress | soak) ;; *) usage ;; esac
shift
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(api scheduler worker e2e)
for suite in "${suites[@]}"; do
  case "$suite" in api | scheduler | worker | e2e) ;; *) usage ;; esac
done

profile=${K6_PROFILE:-$([ "$scenario" = smoke ] && echo debug || echo release)}
soak_minutes=${SOAK_MINUTES:-60}
# Seconds from start to the first 09:00: time to start the stack and create the users.
case "$scenario" in
  smoke) lead=25 window=0 limit=300 period=2s ;;
  load) lead=75 window=0 limit=900 period=5s ;;
  spike) lead=90 window=0 limit=900 period=5s ;;
  stress) lead=180 window=0 limit=1800 period=5s ;;
  soak) lead=60 window=$((soak_minutes * 60)) limit=$((soak_minutes * 60 + 1200)) period=10s ;;
esac
lead=${LEAD_SECONDS:-$lead}
# A soak waits for every 09:00 within SOAK_MINUTES; Kathmandu's (+05:45) is followed within
# the hour by India's (+05:30 on the half hour) and then whole-hour zones.
anchor=${ANCHOR_ZONE:-$([ "$scenario" = soak ] && echo Asia/Kathmandu || echo)}

echo "== building ($profile)"
cargo build --workspace --bins $([ "$profile" = release ] && echo --release)
bin=target/$profile
scripts/ensure-services.sh
k6=$(scripts/perf-tools.sh k6)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

server=${K6_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
amqp=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
mkdir -p reports/k6-logs

# The stack of the suite being run; `stop_stack` is idempotent and runs on any exit.
pids=() names=() db="" prefix=""
stop_stack() {
  local i pid
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    if ! kill -0 "$pid" 2>/dev/null; then
      printf '  %-10s exited before the end of the run (see its log)\n' "${names[$i]}"
    else
      printf '  %-10s peak RSS %6.1f MiB, CPU %6.1f s\n' "${names[$i]}" \
        "$(awk '/^VmHWM:/ {print $2 / 1024}' "/proc/$pid/status" 2>/dev/null || echo 0)" \
        "$(awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) / hz}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=() names=()
  if [ -n "$db" ] && [ -z "${K6_KEEP:-}" ]; then
    psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    if [ -n "$prefix" ] && command -v rabbitmqctl >/dev/null 2>&1; then
      # Exchanges stay (rabbitmqctl cannot delete them); they hold no messages.
      for queue in "$prefix.deliveries" "$prefix.dead-letter"; do
        rabbitmqctl -q delete_queue "$queue" >/dev/null 2>&1 || true
      done
    fi
  fi
  db="" prefix=""
}
trap stop_stack EXIT
trap 'stop_stack; exit 130' INT TERM

start() { # name, binary, log, env assignments...
  local name=$1 binary=$2 log=$3
  shift 3
  env "$@" "$bin/$binary" >"$log" 2>&1 &
  pids+=($!) names+=("$name")
}

wait_http() { # url
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "no answer from $1" >&2
  return 1
}

children_cpu() { # sets $cpu: user + system CPU seconds of the children this shell reaped
  times >reports/k6-logs/.times # `times` in a $(...) subshell would see no children
  cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' reports/k6-logs/.times)
}

free_ports() { # count
  python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

run_suite() { # suite
  local suite=$1 tag run_id logs plan offset
  tag="$suite-$scenario"
  run_id="k6$(printf '%x%x' "$(date +%s)" "$$")$RANDOM"
  db="greetings_k6_${suite}_${scenario}_$$"
  prefix="k6-$suite-$$-$RANDOM"
  logs="reports/k6-logs/$tag"
  rm -rf "$logs" && mkdir -p "$logs"
  local api_port scheduler_port worker_port sim_port
  read -r api_port scheduler_port worker_port sim_port < <(free_ports 4)

  if [ "$suite" = api ]; then
    plan='{"offsetSeconds": 0, "waves": []}'
  else
    # Planned now, right before the stack starts: the lead covers starting it.
    plan=$(python3 scripts/k6_plan.py --lead "$lead" --window "$window" ${anchor:+--anchor "$anchor"}) || return 1
  fi
  offset=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["offsetSeconds"])' <<<"$plan")
  echo "== $tag: database $db, prefix $prefix, clock offset ${offset}s"
  [ "$suite" = api ] || python3 -c 'import json, sys
for w in json.load(sys.stdin)["waves"]:
    print("   09:00 at %s in %d zones (%s): %s ..." % (w["at"], len(w["zones"]), w["date"], ", ".join(w["zones"][:5])))' <<<"$plan"

  local common=(
    "DATABASE_URL=$server/$db" "AMQP_URL=$amqp" "EMAIL_SERVICE_URL=http://127.0.0.1:$sim_port"
    "GREETINGS__RABBITMQ__PREFIX=$prefix" "GREETINGS__CLOCK__OFFSET_SECONDS=$offset"
    "GREETINGS__LOG__LEVEL=${GREETINGS__LOG__LEVEL:-warn}"
  )
  env "${common[@]}" "$bin/greetings-api" migrate >"$logs/migrate.log" 2>&1 || {
    cat "$logs/migrate.log" >&2
    return 1
  }
  # One key for k6 with every scope; k6 is one client with one key, so the rate limits (meant
  # for many clients) are lifted for the run.
  local api_key
  api_key=$(env "${common[@]}" "$bin/greetings-api" keys create --name "k6-$tag" \
    --scopes users:read,users:write,admin 2>>"$logs/migrate.log") || return 1
  start api greetings-api "$logs/api.log" "${common[@]}" "GREETINGS__HTTP__LISTEN=127.0.0.1:$api_port" \
    GREETINGS__RATE_LIMIT__PER_KEY_PER_SECOND=1000000 GREETINGS__RATE_LIMIT__PER_KEY_BURST=1000000 \
    GREETINGS__RATE_LIMIT__PER_ADDRESS_PER_SECOND=1000000 GREETINGS__RATE_LIMIT__PER_ADDRESS_BURST=1000000
  if [ "$suite" != api ]; then
    start email-sim greetings-email-sim "$logs/email-sim.log" "${common[@]}" "GREETINGS__HTTP__LISTEN=127.0.0.1:$sim_port"
    start scheduler greetings-scheduler "$logs/scheduler.log" "${common[@]}" "GREETINGS__HTTP__LISTEN=127.0.0.1:$scheduler_port"
    start worker greetings-worker "$logs/worker.log" "${common[@]}" "GREETINGS__HTTP__LISTEN=127.0.0.1:$worker_port"
    wait_http "http://127.0.0.1:$sim_port/health/live" || return 1
    wait_http "http://127.0.0.1:$scheduler_port/health/ready" || return 1
    wait_http "http://127.0.0.1:$worker_port/health/ready" || return 1
  fi
  wait_http "http://127.0.0.1:$api_port/health/ready" || return 1

  local rc=0 cpu cpu_before
  children_cpu
  cpu_before=$cpu
  # shellcheck disable=SC2086 # K6_ARGS is a list of arguments
  env K6_NO_USAGE_REPORT=true \
    K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_PORT=-1 K6_WEB_DASHBOARD_PERIOD="$period" \
    K6_WEB_DASHBOARD_EXPORT="reports/k6-$tag.html" \
    SCENARIO="$scenario" RUN_ID="$run_id" REPORT_DIR=reports PLAN="$plan" \
    CLOCK_OFFSET_SECONDS="$offset" SOAK_MINUTES="$soak_minutes" \
    API_URL="http://127.0.0.1:$api_port" API_KEY="$api_key" SIM_URL="http://127.0.0.1:$sim_port" \
    SCHEDULER_URL="http://127.0.0.1:$scheduler_port" WORKER_URL="http://127.0.0.1:$worker_port" \
    timeout --signal=INT --kill-after=30 "$limit" \
    "$k6" run --quiet --no-color ${K6_ARGS:-} "k6/$suite.js" || rc=$?
  children_cpu
  echo "== $tag: k6 exit code $rc; k6 itself used $(awk -v a="$cpu_before" -v b="$cpu" 'BEGIN {printf "%.1f", b - a}') s of CPU"
  # What the services saw, for comparing with k6's client-side figures.
  local service port
  for service in api:$api_port scheduler:$scheduler_port worker:$worker_port email-sim:$sim_port; do
    port=${service#*:}
    curl -fsS "http://127.0.0.1:$port/metrics" -o "$logs/${service%%:*}.metrics" 2>/dev/null || true
  done
  [ -s "$logs/api.metrics" ] && python3 scripts/prom_quantiles.py "$logs/api.metrics"
  echo "   services:"
  stop_stack
  return "$rc"
}

results=() failed=0
for suite in "${suites[@]}"; do
  if run_suite "$suite"; then
    results+=("  ok    $suite ($scenario)   reports/k6-$suite-$scenario.{html,json}")
  else
    rc=$?
    stop_stack
    failed=$((failed + 1))
    results+=("  FAIL  $suite ($scenario): exit $rc (99: thresholds failed, 124: time limit)")
  fi
done
echo
echo "k6 $scenario:"
printf '%s\n' "${results[@]}"
[ "$failed" -eq 0 ]
