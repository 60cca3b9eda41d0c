#!/usr/bin/env bash
# Proof, not hope: the alert rules, recording rules and the Grafana overview only use series the
# services really export.
#
# 1. Static: promtool checks and unit-tests the rules, checks the Prometheus configurations, and
#    scripts/observability_check.py checks alert annotations, runbook sections, test coverage
#    and the dashboard's shape.
# 2. Live: builds the binaries and starts, as native processes on loopback, the api, a scheduler,
#    two workers and the e-mail simulator against a fresh database and a private RabbitMQ
#    prefix, plus a real Prometheus scraping all of them every second with the repository's
#    rules. A short workload creates users whose 09:00 falls due a few seconds later (the
#    services' clocks are shifted with GREETINGS__CLOCK__OFFSET_SECONDS) through a flaky
#    simulator, so deliveries, retries, failures and dead letters happen; a few rows are then
#    pushed past their deadline and one delivery is doubled in SQL, so expiry and both
#    reconciler checks are exercised and their alerts fire.
# 3. Check: every alert and recording rule expression and every dashboard query is evaluated
#    through Prometheus' HTTP API; the run fails if one errors, references a metric with no
#    series, or matches on a label that was never exported.
#
# Everything it starts is stopped, and the database and queues dropped, on exit. Bounded by
# PROOF_TIMEOUT_SECONDS (default 300, build excluded). Set PROOF_KEEP=1 to keep logs and TSDB.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
for tool in prometheus promtool psql curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (scripts/install-tools.sh installs it)"
done
# A Python with PyYAML: the one on PATH, else the system's (Debian's python3-yaml).
py=python3
$py -c 'import yaml' 2>/dev/null || py=/usr/bin/python3
$py -c 'import yaml' 2>/dev/null || fail "no python3 with the yaml module (scripts/install-tools.sh installs it)"

# ------------------------------------------------------------------------------------ static
step "static: promtool check rules, unit tests, configurations"
promtool check rules alerts/*.yml
promtool test rules alerts/tests/*.yml
promtool check config --syntax-only deploy/prometheus/prometheus.yml
promtool check config --syntax-only deploy/prometheus/prometheus-compose.yml
if ! out=$(promtool check config --syntax-only deploy/prometheus/prometheus-kubernetes.yml 2>&1); then
  if grep -q "kubernetes_sd_configs not found" <<<"$out"; then
    # Debian's promtool is built without Kubernetes discovery: check the rest of the file.
    $py - deploy/prometheus/prometheus-kubernetes.yml <<'EOF'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
assert config["rule_files"], "no rule_files"
jobs = {job["job_name"]: job for job in config["scrape_configs"]}
assert all("kubernetes_sd_configs" in job for job in jobs.values()), "a job without pod discovery"
print(f"  {sys.argv[1]}: parsed ({', '.join(jobs)}); this promtool cannot check kubernetes_sd_configs")
EOF
  else
    echo "$out"; fail "deploy/prometheus/prometheus-kubernetes.yml"
  fi
else
  echo "$out"
fi
$py scripts/observability_check.py static

# ------------------------------------------------------------------------------------- build
step "build"
cargo build --quiet -p greetings-api -p greetings-scheduler -p greetings-worker -p greetings-email-sim --bins
bin=$ROOT/target/debug

# ------------------------------------------------------------------------------------- start
work=$(mktemp -d "${TMPDIR:-/tmp}/greetings-proof.XXXXXX")
run_id=$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')
db=greetings_proof_$run_id
prefix=proof-$run_id
pids=()
watchdog=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
  # Newest first: Prometheus, then the services, the e-mail simulator last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  if command -v rabbitmqctl >/dev/null 2>&1; then
    rabbitmqctl -q delete_queue "$prefix.deliveries" >/dev/null 2>&1 || true
    rabbitmqctl -q delete_queue "$prefix.dead-letter" >/dev/null 2>&1 || true
    rabbitmqctl -q eval "[rabbit_exchange:delete(rabbit_misc:r(<<\"/\">>, exchange, X), false, <<\"observability-proof\">>) || X <- [<<\"$prefix.deliveries\">>, <<\"$prefix.dead-letter\">>]]." >/dev/null 2>&1 || true
  fi
  if [ "$rc" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] && { echo "--- tail of $log"; tail -n 15 "$log"; }
    done
  fi
  if [ "${PROOF_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
  [ "$rc" -eq 0 ] && echo "observability proof: PASSED" || echo "observability proof: FAILED (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
( sleep "${PROOF_TIMEOUT_SECONDS:-300}"; echo "observability proof: timed out" >&2; kill -TERM $$ ) &
watchdog=$!

read -r api_port scheduler_port worker1_port worker2_port sim_port prom_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')

# Every service's clock says it is LEAD seconds before 09:00:00 UTC tomorrow: room to start
# the services and create every user first, even on a busy machine.
lead=${PROOF_LEAD_SECONDS:-45}
read -r t0 due_date next_date < <(python3 -c '
import datetime as d
t = (d.datetime.now(d.timezone.utc) + d.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
print(int(t.timestamp()), t.date(), (t + d.timedelta(days=1)).date())')
offset=$((t0 - lead - $(date -u +%s)))
svc_now() { echo $(($(date -u +%s) + offset)); }

common=(
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"
  EMAIL_SERVICE_URL="http://127.0.0.1:$sim_port"
  GREETINGS__CLOCK__OFFSET_SECONDS="$offset"
  GREETINGS__LOG__FORMAT=json
)
start() { # name, env assignments..., binary
  local name=$1; shift
  env "${common[@]}" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
wait_for() { # what, url, seconds
  for _ in $(seq 1 $(($3 * 10))); do curl -fsS -o /dev/null "$2" 2>/dev/null && return 0; sleep 0.1; done
  fail "$1 did not become ready at $2"
}

step "start: database $db, prefix $prefix, clock offset ${offset}s (09:00Z $due_date in ${lead}s)"
scripts/ensure-services.sh >/dev/null
env "${common[@]}" "$bin/greetings-api" migrate >"$work/migrate.log" 2>&1 || fail "migrate"
api_key=$(env "${common[@]}" "$bin/greetings-api" keys create --name proof \
  --scopes users:read,users:write 2>>"$work/migrate.log") || fail "minting an API key"
auth=(-H "Authorization: Bearer $api_key")

start email-sim GREETINGS__HTTP__LISTEN="127.0.0.1:$sim_port" \
  GREETINGS__LATENCY__MIN_MS=10 GREETINGS__LATENCY__MAX_MS=120 \
  GREETINGS__FAILURE__ERROR_RATE=0.15 GREETINGS__FAILURE__THROTTLE_RATE=0.03 \
  GREETINGS__FAILURE__TIMEOUT_RATE=0.03 GREETINGS__FAILURE__HANG_MS=1500 \
  GREETINGS__FAILURE__PERMANENT_RATE=0.03 GREETINGS__FAILURE__RETRY_AFTER_SECONDS=1 \
  GREETINGS__SHUTDOWN__GRACE_SECONDS=2 "$bin/greetings-email-sim"
start api GREETINGS__HTTP__LISTEN="127.0.0.1:$api_port" GREETINGS__HTTP__WORKERS=2 \
  GREETINGS__SHUTDOWN__GRACE_SECONDS=2 "$bin/greetings-api"
start scheduler GREETINGS__HTTP__LISTEN="127.0.0.1:$scheduler_port" \
  GREETINGS__RABBITMQ__PREFIX="$prefix" GREETINGS__RECONCILE__INTERVAL_SECONDS=2 \
  GREETINGS__SHUTDOWN__GRACE_SECONDS=2 "$bin/greetings-scheduler"
for port in "$worker1_port" "$worker2_port"; do
  start "worker-$port" GREETINGS__HTTP__LISTEN="127.0.0.1:$port" \
    GREETINGS__RABBITMQ__PREFIX="$prefix" GREETINGS__EMAIL__TIMEOUT_MS=1000 \
    GREETINGS__DELIVERY__MAX_ATTEMPTS=3 GREETINGS__DELIVERY__BACKOFF_BASE_MS=200 \
    GREETINGS__DELIVERY__BACKOFF_MAX_MS=2000 GREETINGS__SHUTDOWN__GRACE_SECONDS=2 \
    "$bin/greetings-worker"
done
wait_for email-sim "http://127.0.0.1:$sim_port/health/live" 30
wait_for api "http://127.0.0.1:$api_port/health/ready" 30
wait_for scheduler "http://127.0.0.1:$scheduler_port/health/ready" 30
wait_for worker "http://127.0.0.1:$worker1_port/health/ready" 30
wait_for worker "http://127.0.0.1:$worker2_port/health/ready" 30

rabbit_target=
if curl -fsS -o /dev/null http://127.0.0.1:15692/metrics 2>/dev/null; then
  rabbit_target='  - {job_name: rabbitmq, static_configs: [{targets: ["127.0.0.1:15692"]}]}'
fi
cat >"$work/prometheus.yml" <<EOF
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
rule_files: ["$ROOT/alerts/*.yml"]
scrape_configs:
  - {job_name: greetings-api, static_configs: [{targets: ["127.0.0.1:$api_port"]}]}
  - {job_name: greetings-scheduler, static_configs: [{targets: ["127.0.0.1:$scheduler_port"]}]}
  - {job_name: greetings-worker, static_configs: [{targets: ["127.0.0.1:$worker1_port", "127.0.0.1:$worker2_port"]}]}
  - {job_name: greetings-email-sim, static_configs: [{targets: ["127.0.0.1:$sim_port"]}]}
$rabbit_target
EOF
since=$(date -u +%s)
start prometheus "$(command -v prometheus)" --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$prom_port" --log.level=warn
prom=http://127.0.0.1:$prom_port
wait_for prometheus "$prom/-/ready" 30
promq() { curl -fsS "$prom/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // "none"'; }

# ---------------------------------------------------------------------------------- workload
api=http://127.0.0.1:$api_port/api/v1
create_user() { # email, zone, birthday, [anniversary]
  local body
  body=$(jq -nc --arg e "$1" --arg z "$2" --arg b "$3" --arg a "${4:-}" \
    '{firstName: "Proof", lastName: "Person", email: $e, timezone: $z, birthday: $b}
     + (if $a == "" then {} else {anniversary: $a} end)')
  curl -fsS -X POST "$api/users" "${auth[@]}" -H 'content-type: application/json' -d "$body" | jq -r .id
}
step "workload: users due at 09:00Z $due_date, through a flaky e-mail simulator"
zones=(UTC Etc/UTC Africa/Abidjan Atlantic/Reykjavik)
mmdd=${due_date:5}
users=120 due=0
for i in $(seq 1 $users); do
  anniversary=
  if ((i % 3 == 0)); then anniversary="2016-$mmdd"; due=$((due + 1)); fi
  create_user "due-$i@proof.example" "${zones[i % 4]}" "1992-$mmdd" "$anniversary" >/dev/null
  due=$((due + 1))
done
# Birthdays tomorrow, to be pushed past their deadline (downtime) and into a lost lease.
late_ids=()
for i in 1 2 3 4; do late_ids+=("$(create_user "late-$i@proof.example" UTC "1992-${next_date:5}")"); done
# Client errors, so the status label has more than one value.
bad=$(curl -sS -o /dev/null -w '%{http_code}' "${auth[@]}" "$api/users/not-a-uuid")
missing=$(curl -sS -o /dev/null -w '%{http_code}' "${auth[@]}" "$api/users/$(python3 -c 'import uuid; print(uuid.uuid4())')")
[ "$bad/$missing" = 400/404 ] || fail "expected 400 and 404, got $bad and $missing"
left=$((t0 - $(svc_now)))
echo "created $users users ($due occurrences due), ${left}s before 09:00"
# Users created after 09:00 would be skipped, not sent, and the counts below would not add up.
[ "$left" -gt 0 ] || fail "the workload took past 09:00 (machine too busy?); raise PROOF_LEAD_SECONDS"

sql() { psql -qAt -h 127.0.0.1 -U postgres -d "$db" -v ON_ERROR_STOP=1 -c "$1"; }
ids() { local IFS=,; echo "'$*'"; }
now_sql="to_timestamp($(svc_now))"
# Three rows whose 48 h catch-up window passed while "nobody was running": the dispatcher
# expires them. One row claimed by a worker that vanished with a lease that never ends: the
# reconciler reports it stuck.
sql "UPDATE occurrences SET send_at = $now_sql - interval '49 hours', due_at = $now_sql - interval '49 hours',
       deadline_at = $now_sql - interval '1 hour'
     WHERE user_id::text IN ($(ids "${late_ids[@]:0:3}" | sed "s/,/','/g"))"
sql "UPDATE occurrences SET status = 'sending', attempts = 1, lease_until = $now_sql + interval '1 day',
       send_at = $now_sql - interval '49 hours', due_at = $now_sql - interval '49 hours',
       deadline_at = $now_sql - interval '1 hour'
     WHERE user_id = '${late_ids[3]}'"

step "deliveries: waiting for 09:00 and for every due occurrence to finish"
finished() { sql "SELECT count(*) FROM occurrences WHERE local_date = '$due_date' AND status IN ('delivered', 'failed')"; }
peak_rate=0 peak_at=
for _ in $(seq 1 900); do
  done_count=$(finished)
  if [ "$(svc_now)" -ge "$t0" ]; then
    rate=$(promq 'sum(irate(greetings_messages_delivered_total[3s]))')
    if [ "$rate" != none ] && python3 -c "import sys; sys.exit(0 if float('$rate') > float('$peak_rate') else 1)"; then
      peak_rate=$rate peak_at=$(date -u +%H:%M:%S)
    fi
  fi
  [ "$done_count" -ge "$due" ] && break
  sleep 0.2
done
[ "$done_count" -ge "$due" ] || fail "only $done_count of $due due occurrences finished"
# One delivered occurrence recorded twice: the duplicate the reconciler must report.
sql "INSERT INTO delivery_attempts (occurrence_id, attempt, started_at, duration_ms, outcome, http_status)
     SELECT id, attempts + 1, delivered_at, 5, 'delivered', 200 FROM occurrences
     WHERE status = 'delivered' ORDER BY delivered_at LIMIT 1"

wait_until() { # what, promql that returns 1 when done
  for _ in $(seq 1 300); do [ "$(promq "$2")" = 1 ] && return 0; sleep 0.2; done
  fail "$1"
}
wait_until "the reconciler to report the duplicate" 'max(greetings_reconciler_violations{check="duplicate_delivery"}) == bool 1'
wait_until "the reconciler to report the stuck row" 'max(greetings_reconciler_violations{check="stuck"}) == bool 1'
wait_until "the expiries to be counted" 'sum(greetings_messages_expired_total) == bool 3'
wait_until "the dead letters to be seen" 'max(greetings_dead_letter_depth_messages) > bool 0'
wait_until "the duplicate alert to fire" 'count(ALERTS{alertname="GreetingsDuplicateDelivery",alertstate="firing"}) == bool 1'

step "figures (Prometheus, during the run)"
echo "delivered/s, peak (irate over 3s):          $peak_rate (at $peak_at UTC)"
echo "delivered/s, rate over the last 1m:          $(promq 'sum(rate(greetings_messages_delivered_total[1m]))')"
echo "delivered in the run:                        $(promq 'sum(greetings_messages_delivered_total)')"
echo "failed in the run:                           $(promq 'sum(greetings_messages_failed_total)')"
echo "p50 lateness (s), rate over 1m:              $(promq 'histogram_quantile(0.5, sum by (le) (rate(greetings_delivery_lateness_seconds_bucket[1m])))')"
echo "p99 lateness (s), rate over 1m:              $(promq 'histogram_quantile(0.99, sum by (le) (rate(greetings_delivery_lateness_seconds_bucket[1m])))')"
echo "p99 lateness (s), recording rule (5m):       $(promq 'greetings:delivery_lateness_seconds:p99_rate5m')"
echo "lateness (s) p50 / p99 / max in Postgres:    $(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 3) || ' / ' ||
  round(percentile_cont(0.99) WITHIN GROUP (ORDER BY x)::numeric, 3) || ' / ' || round(max(x)::numeric, 3)
  FROM (SELECT extract(epoch FROM delivered_at - send_at) AS x FROM occurrences WHERE local_date = '$due_date' AND status = 'delivered') d")"
echo "e-mail error ratio, recording rule (5m):     $(promq 'greetings:email_requests:error_ratio_rate5m')"
echo "api p99 (s), recording rule (5m):            $(promq 'greetings:http_request_duration_seconds:p99_rate5m{job="greetings-api"}')"
echo "GET /api/v1/metrics:"
curl -fsS "${auth[@]}" "$api/metrics" | jq -c '{occurrences: .occurrences.byStatus, dueUnsent, promise, apiLatencySeconds}'
echo "alerts firing or pending:"
curl -fsS "$prom/api/v1/alerts" | jq -r '.data.alerts[] | "  \(.state)\t\(.labels.alertname)\t\(.labels.severity)"' | sort -u

step "live: every rule and dashboard query against the real series"
$py scripts/observability_check.py live --prometheus "$prom" --since "$since"
