#!/usr/bin/env bash
# Runs the whole system as native processes: migrations, email-sim, api, scheduler, worker.
# Logs go to .run/<service>.log; Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
mkdir -p .run
scripts/ensure-services.sh

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/greetings}
export AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
export EMAIL_SERVICE_URL=${EMAIL_SERVICE_URL:-http://127.0.0.1:8025}
export GREETINGS__LOG__FORMAT=${GREETINGS__LOG__FORMAT:-pretty}

"$bin/greetings-api" migrate
# A key for this session with every scope (the api refuses to start without a live key);
# revoke old ones with `greetings-api keys list` / `keys revoke ID`.
api_key=$("$bin/greetings-api" keys create --name make-run --scopes users:read,users:write,admin)
(umask 077 && echo "$api_key" >.run/api-key)

pids=()
start() { # name, binary
  "$bin/$2" >".run/$1.log" 2>&1 &
  pids+=($!)
}
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; echo stopped' INT TERM EXIT

start email-sim greetings-email-sim
start api greetings-api
for service in scheduler worker; do
  if [ -x "$bin/greetings-$service" ]; then start "$service" "greetings-$service"; fi
done

for url in http://127.0.0.1:8080/health/ready http://127.0.0.1:8025/health/live; do
  for _ in $(seq 1 50); do curl -fs "$url" >/dev/null && break; sleep 0.2; done
done
cat <<EOT
greetings is running (logs in .run/):
  api          http://127.0.0.1:8080/api/v1/users   metrics http://127.0.0.1:8080/metrics
               API key (also in .run/api-key): $api_key
               curl -H "Authorization: Bearer \$(cat .run/api-key)" http://127.0.0.1:8080/api/v1/users
  scheduler    http://127.0.0.1:9091/metrics
  worker       http://127.0.0.1:9092/metrics
  email-sim    http://127.0.0.1:8025/stats
Ctrl-C stops everything.
EOT
wait
