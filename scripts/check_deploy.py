#!/usr/bin/env python3
"""Rules the deployment files must follow beyond their schemas; run by scripts/check-deploy.sh.

    check_deploy.py compose docker-compose.yml
    check_deploy.py kubernetes RENDERED.yaml... --secret-template deploy/kubernetes/secret.template.yaml
    check_deploy.py kustomize-refs deploy/kubernetes     (when kubectl cannot render)

YAML is read strictly (ruamel.yaml: duplicate keys are errors). Every GREETINGS__SECTION__KEY
variable a deployment sets must be a key of that service's config/default.toml, so a typo
cannot be silently ignored at run time. Prints one line per problem; exits 1 if any.
"""

import re
import sys
import tomllib
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("api", "scheduler", "worker", "email-sim")
PINNED = {"DATABASE_URL": "database", "AMQP_URL": "rabbitmq", "EMAIL_SERVICE_URL": "email"}
problems = []


def problem(message):
    problems.append(message)


def load_all(path):
    yaml = YAML(typ="safe", pure=True)
    with open(path) as file:
        return [doc for doc in yaml.load_all(file) if doc is not None]


def config_keys(service):
    with open(ROOT / "services" / service / "config" / "default.toml", "rb") as file:
        table = tomllib.load(file)
    return {f"{section}.{key}" for section, entries in table.items() for key in entries}


KEYS = {service: config_keys(service) for service in SERVICES}


def service_of_image(image):
    """`ghcr.io/x/greetings-worker:1.0` -> `worker`."""
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    match = re.fullmatch(r"greetings-(api|scheduler|worker|email-sim)", name)
    return match.group(1) if match else None


def check_variable(where, service, name):
    if name in PINNED:
        if f"{PINNED[name]}.url" not in KEYS[service]:
            problem(f"{where}: {name} is set but greetings-{service} has no [{PINNED[name]}]")
        return
    match = re.fullmatch(r"GREETINGS__([A-Z0-9_]+?)__([A-Z0-9_]+)", name)
    if not match:
        return
    key = f"{match.group(1).lower()}.{match.group(2).lower()}"
    if key not in KEYS[service]:
        problem(f"{where}: {name} sets {key}, which greetings-{service} does not have")


# --- docker compose -------------------------------------------------------------------------


def check_compose(path):
    (compose,) = load_all(path)
    services = compose.get("services", {})
    declared_volumes = set(compose.get("volumes") or {})
    env_example = (ROOT / ".env.example").read_text()
    text = Path(path).read_text()
    for variable in sorted(set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))):
        if not re.search(rf"^{variable}=", env_example, re.M):
            problem(f"{path}: required variable {variable} is missing from .env.example")

    completed_once = {
        target
        for service in services.values()
        for target, condition in (service.get("depends_on") or {}).items()
        if isinstance(condition, dict)
        and condition.get("condition") == "service_completed_successfully"
    }
    for name, service in services.items():
        where = f"{path}: service {name}"
        one_shot = name in completed_once and service.get("restart") == "no"
        if "healthcheck" not in service and not one_shot:
            problem(f"{where} has no healthcheck")
        limits = ((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        if not {"cpus", "memory"} <= set(limits):
            problem(f"{where} has no cpu and memory limits")
        for target, condition in (service.get("depends_on") or {}).items():
            if target not in services:
                problem(f"{where} depends on unknown service {target}")
            elif not isinstance(condition, dict) or "condition" not in condition:
                problem(f"{where}: depends_on {target} has no condition")
            elif condition["condition"] == "service_healthy" and "healthcheck" not in services[target]:
                problem(f"{where} waits for {target} to be healthy, which has no healthcheck")
        for port in service.get("ports") or []:
            if not str(port).startswith("127.0.0.1:"):
                problem(f"{where} publishes {port} on every interface; bind it to 127.0.0.1")
        for volume in service.get("volumes") or []:
            source = str(volume).split(":", 1)[0]
            if source.startswith("."):
                if not (Path(path).parent / source).exists():
                    problem(f"{where} mounts {source}, which does not exist")
            elif source not in declared_volumes:
                problem(f"{where} uses volume {source}, which is not declared")
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for variable, value in environment.items():
            value = str(value)
            if re.search(r"PASSWORD|SECRET|TOKEN", variable) and not value.startswith("${"):
                problem(f"{where}: {variable} is written in clear; use ${{{variable}:?}}")
            credentials = re.search(r"://[^:/@]+:([^@]+)@", value)
            if credentials and not credentials.group(1).startswith("${"):
                problem(f"{where}: {variable} has a password in clear")
        image = service.get("image", "")
        target = (service.get("build") or {}).get("target")
        svc = target if target in SERVICES else service_of_image(image)
        if svc:
            if "healthcheck" in service and f"greetings-{svc}" not in " ".join(
                map(str, service["healthcheck"].get("test", []))
            ) and not one_shot:
                problem(f"{where}: the healthcheck should run greetings-{svc} healthcheck")
            for variable in environment:
                check_variable(where, svc, variable)
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for name, service in services.items():
        target = (service.get("build") or {}).get("target")
        if target and not re.search(rf"^FROM .* AS {re.escape(target)}$", dockerfile, re.M):
            problem(f"{path}: service {name} builds target {target}, not in deploy/Dockerfile")


# --- kubernetes -----------------------------------------------------------------------------


def containers(pod_spec):
    return (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or [])


def check_kubernetes(paths, secret_template):
    template = next(d for d in load_all(secret_template) if d.get("kind") == "Secret")
    secret_keys = {template["metadata"]["name"]: set(template.get("stringData") or {})}
    for path in paths:
        documents = load_all(path)
        by_kind = {}
        for document in documents:
            by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
        config_maps = by_kind.get("ConfigMap", {})
        for name, secret in by_kind.get("Secret", {}).items():
            problem(f"{path}: Secret {name} is rendered; secrets are created out of band")
        workloads = list(by_kind.get("Deployment", {}).values()) + list(
            by_kind.get("Job", {}).values()
        )
        for workload in workloads:
            kind, name = workload["kind"], workload["metadata"]["name"]
            where = f"{path}: {kind} {name}"
            template_spec = workload["spec"]["template"]
            pod = template_spec["spec"]
            security = pod.get("securityContext") or {}
            if not security.get("runAsNonRoot"):
                problem(f"{where} does not set runAsNonRoot")
            for container in containers(pod):
                cwhere = f"{where} container {container['name']}"
                resources = container.get("resources") or {}
                for part in ("requests", "limits"):
                    if not {"cpu", "memory"} <= set(resources.get(part) or {}):
                        problem(f"{cwhere} has no cpu and memory {part}")
                if kind == "Deployment":
                    for probe in ("readinessProbe", "livenessProbe"):
                        if probe not in container:
                            problem(f"{cwhere} has no {probe}")
                svc = service_of_image(container.get("image", ""))
                if svc is None:
                    problem(f"{cwhere} runs {container.get('image')}, not a greetings image")
                    continue
                variables = [env["name"] for env in container.get("env") or []]
                for env in container.get("env") or []:
                    ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                    if ref and ref["key"] not in secret_keys.get(ref["name"], set()):
                        problem(f"{cwhere}: secret {ref['name']} key {ref['key']} is not in {secret_template}")
                for source in container.get("envFrom") or []:
                    ref = source.get("configMapRef")
                    if ref:
                        if ref["name"] not in config_maps:
                            problem(f"{cwhere}: ConfigMap {ref['name']} is not rendered")
                        else:
                            variables += list(config_maps[ref["name"]].get("data") or {})
                for variable in variables:
                    check_variable(cwhere, svc, variable)
            if kind == "Deployment":
                annotations = template_spec["metadata"].get("annotations") or {}
                if annotations.get("prometheus.io/scrape") != "true" or "prometheus.io/port" not in annotations:
                    problem(f"{where} has no Prometheus scrape annotations")
                labels = template_spec["metadata"].get("labels") or {}
                component = labels.get("app.kubernetes.io/component")
                covered = any(
                    all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items())
                    for pdb in by_kind.get("PodDisruptionBudget", {}).values()
                )
                if component in ("api", "scheduler", "worker") and not covered:
                    problem(f"{where} has no PodDisruptionBudget")
        jobs = by_kind.get("Job", {}).values()
        if not any(
            c.get("args") == ["migrate"] and service_of_image(c.get("image", "")) == "api"
            for job in jobs
            for c in containers(job["spec"]["template"]["spec"])
        ):
            problem(f"{path}: no Job runs greetings-api migrate")
        for name, scaled in by_kind.get("ScaledObject", {}).items():
            where = f"{path}: ScaledObject {name}"
            spec = scaled["spec"]
            target = spec["scaleTargetRef"]["name"]
            if target not in by_kind.get("Deployment", {}):
                problem(f"{where} scales {target}, which is not a rendered Deployment")
            elif service_of_image(
                by_kind["Deployment"][target]["spec"]["template"]["spec"]["containers"][0]["image"]
            ) != "worker":
                problem(f"{where} scales {target}, which is not the worker")
            if not 1 <= spec.get("minReplicaCount", 0) <= spec.get("maxReplicaCount", 0):
                problem(f"{where} needs 1 <= minReplicaCount <= maxReplicaCount")
            with open(ROOT / "services" / "worker" / "config" / "default.toml", "rb") as file:
                queue = tomllib.load(file)["rabbitmq"]["prefix"] + ".deliveries"
            triggers = spec.get("triggers") or []
            if not any(
                t.get("type") == "rabbitmq" and t.get("metadata", {}).get("queueName") == queue
                for t in triggers
            ):
                problem(f"{where} has no rabbitmq trigger on queue {queue}")
            for trigger in triggers:
                auth = (trigger.get("authenticationRef") or {}).get("name")
                if auth and auth not in by_kind.get("TriggerAuthentication", {}):
                    problem(f"{where}: TriggerAuthentication {auth} is not rendered")
                if trigger.get("metadata", {}).get("value") is None:
                    problem(f"{where}: a trigger has no target value")
        for name, auth in by_kind.get("TriggerAuthentication", {}).items():
            for ref in auth["spec"].get("secretTargetRef") or []:
                if ref["key"] not in secret_keys.get(ref["name"], set()):
                    problem(f"{path}: TriggerAuthentication {name} reads {ref['name']}/{ref['key']}, not in the template")


def check_kustomize_refs(directory):
    """Without kubectl: every kustomization parses and every file it names exists."""
    for kustomization in sorted(Path(directory).rglob("kustomization.yaml")):
        (document,) = load_all(kustomization)
        base = kustomization.parent
        paths = list(document.get("resources") or [])
        paths += [p["path"] for p in document.get("patches") or [] if "path" in p]
        for relative in paths:
            target = base / relative
            if not target.exists():
                problem(f"{kustomization}: {relative} does not exist")
            elif target.is_file():
                load_all(target)


def main(argv):
    command, *args = argv
    if command == "compose":
        check_compose(args[0])
    elif command == "kubernetes":
        index = args.index("--secret-template")
        check_kubernetes(args[:index], args[index + 1])
    elif command == "kustomize-refs":
        check_kustomize_refs(args[0])
    else:
        sys.exit(f"unknown command {command}")
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
