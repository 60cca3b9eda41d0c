#!/usr/bin/env bash
# Starts the local Postgres and RabbitMQ if they are not answering, and waits until they do.
set -euo pipefail

wait_for() { # what, check command...
  local what=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then echo "$what is up"; return 0; fi
    sleep 1
  done
  echo "$what did not come up" >&2; return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "starting Postgres"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
wait_for Postgres pg_isready -h 127.0.0.1 -p 5432

# Without rabbitmq-diagnostics the broker runs elsewhere (a CI service container): the port
# answering is all we can check, and there is nothing to start.
rabbitmq_up() {
  if command -v rabbitmq-diagnostics >/dev/null 2>&1; then
    rabbitmq-diagnostics -q check_port_connectivity
  else
    timeout 2 bash -c '</dev/tcp/127.0.0.1/5672'
  fi
}
if ! rabbitmq_up >/dev/null 2>&1 && command -v rabbitmq-server >/dev/null 2>&1; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached || true
fi
wait_for RabbitMQ rabbitmq_up
