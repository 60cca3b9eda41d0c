#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a cluster:
#   docker-compose.yml   compose-spec schema (check-jsonschema's bundled copy), `docker compose
#                        config` where the compose client exists, and the rules in check_deploy.py
#   deploy/kubernetes/   each kustomization rendered (`kubectl kustomize`), the output checked
#                        against the Kubernetes schemas (kubernetes-validate, strict) and the rules
#   deploy/alertmanager/ `amtool check-config` where amtool exists
#   .github/workflows/   GitHub workflow schema (check-jsonschema's bundled copy)
# The Python tools come from scripts/install-tools.sh (a virtualenv under target/tools).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${GREETINGS_TOOLS_VENV:-target/tools/venv}
if [ ! -x "$venv/bin/check-jsonschema" ] || [ ! -x "$venv/bin/kubernetes-validate" ]; then
  echo "check-jsonschema and kubernetes-validate are missing: run scripts/install-tools.sh" >&2
  exit 1
fi
python="$venv/bin/python"
# The Kubernetes version the manifests must be valid for (the oldest we support).
kube_version=1.30.0
out=target/check-deploy
rm -rf "$out" && mkdir -p "$out"

echo "== docker-compose.yml"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml
if docker compose version >/dev/null 2>&1; then
  # Interpolation needs the required variables; the example values are placeholders.
  docker compose --env-file .env.example config -q
  echo "docker compose config: ok"
else
  echo "docker compose config: skipped (no compose client here; the schema check above ran)"
fi
"$python" scripts/check_deploy.py compose docker-compose.yml
echo "compose rules: ok"

echo "== deploy/kubernetes"
rendered=()
if command -v kubectl >/dev/null 2>&1; then
  for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*/; do
    dir=${dir%/}
    file="$out/$(echo "${dir#deploy/kubernetes/}" | tr / -).yaml"
    kubectl kustomize "$dir" >"$file"
    rendered+=("$file")
    echo "rendered $dir ($(grep -c '^kind:' "$file") objects)"
  done
else
  echo "kubectl not found: overlays are not rendered; checking each file and reference instead"
  "$python" scripts/check_deploy.py kustomize-refs deploy/kubernetes
  while IFS= read -r file; do rendered+=("$file"); done < <(
    find deploy/kubernetes/base -name '*.yaml' ! -name kustomization.yaml | sort)
fi
# Custom resources (KEDA) have no schema there: the rules below check them.
"$venv/bin/kubernetes-validate" --strict --quiet --no-warn -k "$kube_version" \
  "${rendered[@]}" deploy/kubernetes/secret.template.yaml
echo "kubernetes schemas ($kube_version, strict): ok"
if command -v kubectl >/dev/null 2>&1; then
  "$python" scripts/check_deploy.py kubernetes "${rendered[@]}" \
    --secret-template deploy/kubernetes/secret.template.yaml
  echo "kubernetes rules: ok"
fi

echo "== deploy/alertmanager"
if command -v amtool >/dev/null 2>&1; then
  amtool check-config deploy/alertmanager/alertmanager.yml
else
  echo "amtool not found: alertmanager.yml checked as YAML only"
  "$python" -c 'import sys; from ruamel.yaml import YAML; YAML(typ="safe", pure=True).load(open(sys.argv[1]))' \
    deploy/alertmanager/alertmanager.yml
fi

echo "== .github/workflows"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
echo "deployment files: ok"
