#!/usr/bin/env python3
"""Checks that the observability files tell the truth. Used by scripts/observability-proof.sh.

  observability_check.py static
      alerts/*.yml: every alert has a severity, summary, description and a runbook_url whose
      section exists in docs/runbook.md, and unit tests in alerts/tests/ that show it firing and
      silent; grafana/: the overview's uid, variables, panels and data source.

  observability_check.py live --prometheus URL --since UNIX_SECONDS
      Against a Prometheus that scrapes the running services: evaluates every alert and
      recording rule expression and every dashboard query (variables substituted) and fails if
      a query errors, if a metric name it references has no series, or if a label it matches
      on was never exported (and, for `label="value"`, never had that value).

Only the standard library and PyYAML.
"""

import argparse
import json
import pathlib
import re
import sys
import urllib.parse
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULE_FILES = sorted((ROOT / "alerts").glob("*.yml"))
TEST_FILES = sorted((ROOT / "alerts" / "tests").glob("*.yml"))
DASHBOARDS = sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
RUNBOOK = ROOT / "docs" / "runbook.md"
DATASOURCES = sorted((ROOT / "grafana" / "provisioning" / "datasources").glob("*.yml"))

# Grafana variables as the proof substitutes them.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "5m",
    "${datasource}": "prometheus",
    "$service": "greetings-.*",
    "$instance": ".*",
}

PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "and", "or", "unless", "offset", "inf", "nan", "Inf", "NaN",
}


class Failures:
    def __init__(self):
        self.items = []

    def add(self, message):
        self.items.append(message)
        print(f"  FAIL {message}")

    def exit(self, what):
        if self.items:
            print(f"{what}: {len(self.items)} problem(s)")
            sys.exit(1)
        print(f"{what}: OK")


# ---------------------------------------------------------------------------------------------
# expressions


def rules():
    """(file, group, rule) for every rule."""
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                yield path.name, group["name"], rule


def dashboard_queries():
    """(where, expr) for every panel target and query variable of every dashboard."""
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable.get("type") != "query":
                continue
            query = variable["query"]
            query = query["query"] if isinstance(query, dict) else query
            match = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_]\w*)\s*\)\s*", query)
            if match:
                yield f"{path.name} variable ${variable['name']}", match.group(1), match.group(2)
            else:
                yield f"{path.name} variable ${variable['name']}", query, None
        for panel in all_panels(dashboard["panels"]):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield f"{path.name} panel '{panel['title']}' {target['refId']}", target["expr"], None


def all_panels(panels):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def substitute(expr):
    for name, value in sorted(GRAFANA_VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(name, value)
    return expr


STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'


def metric_names(expr):
    """Metric names a PromQL expression selects (a small lexer, enough for our rules)."""
    text = re.sub(STRING, '""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*", text):
        token = match.group(0)
        if token in PROMQL_KEYWORDS or text[match.end():].lstrip().startswith("("):
            continue
        names.add(token)
    return names


def selectors(expr):
    """(metric name, [(label, operator, value)]) for every `name{...}` selector."""
    found = []
    for match in re.finditer(r"(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}", expr):
        matchers = re.findall(r'([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', match.group(2))
        found.append((match.group(1), matchers))
    return found


# ---------------------------------------------------------------------------------------------
# static


def static():
    failures = Failures()
    runbook = RUNBOOK.read_text()
    headings = set(re.findall(r"^## (\S+)\s*$", runbook, re.M))
    alerts = {}
    for file, group, rule in rules():
        if "alert" not in rule:
            continue
        name = rule["alert"]
        alerts[name] = rule
        severity = rule.get("labels", {}).get("severity")
        if severity not in ("critical", "warning"):
            failures.add(f"{name}: severity must be critical or warning, not {severity!r}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not annotations.get(key):
                failures.add(f"{name}: no {key} annotation")
        if annotations.get("runbook_url") != f"docs/runbook.md#{name.lower()}":
            failures.add(f"{name}: runbook_url should be docs/runbook.md#{name.lower()}")
        if name not in headings:
            failures.add(f"{name}: docs/runbook.md has no '## {name}' section")
    critical = sum(1 for r in alerts.values() if r["labels"]["severity"] == "critical")
    warning = len(alerts) - critical
    print(f"  {len(alerts)} alerts ({critical} critical, {warning} warning)")
    if len(alerts) < 18:
        failures.add(f"only {len(alerts)} alerts; at least 18 expected")
    for heading in headings - set(alerts):
        failures.add(f"docs/runbook.md section '{heading}' has no alert")

    fires, silent = set(), set()
    for path in TEST_FILES:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for check in test.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else silent).add(check["alertname"])
    for name in sorted(alerts):
        if name not in fires:
            failures.add(f"{name}: no test shows it firing")
        if name not in silent:
            failures.add(f"{name}: no test shows it silent")
    for name in sorted((fires | silent) - set(alerts)):
        failures.add(f"tests check an unknown alert {name}")

    datasource_uids = {
        ds["uid"] for path in DATASOURCES for ds in yaml.safe_load(path.read_text())["datasources"]
    }
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        panels = [p for p in all_panels(dashboard["panels"]) if p["type"] != "row"]
        variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
        print(f"  {path.name}: uid {dashboard.get('uid')}, {len(panels)} panels, variables {sorted(variables)}")
        if not dashboard.get("uid"):
            failures.add(f"{path.name}: no stable uid")
        for variable in ("service", "instance", "datasource"):
            if variable not in variables:
                failures.add(f"{path.name}: no ${variable} variable")
        if variables.get("datasource", {}).get("current", {}).get("value") not in datasource_uids:
            failures.add(f"{path.name}: $datasource default is not a provisioned data source uid {sorted(datasource_uids)}")
        if len(panels) < 9:
            failures.add(f"{path.name}: {len(panels)} panels, at least 9 expected")
        if not any(p["type"] == "alertlist" for p in panels):
            failures.add(f"{path.name}: no alert list panel")
        ids = [p["id"] for p in all_panels(dashboard["panels"])]
        if len(ids) != len(set(ids)):
            failures.add(f"{path.name}: duplicate panel ids")
        for panel in panels:
            if panel["type"] == "alertlist":
                continue
            if panel.get("datasource", {}).get("uid") != "${datasource}":
                failures.add(f"{path.name}: panel '{panel['title']}' does not use $datasource")
            if not panel.get("targets"):
                failures.add(f"{path.name}: panel '{panel['title']}' has no query")
    failures.exit("static checks")


# ---------------------------------------------------------------------------------------------
# live


class Prometheus:
    def __init__(self, url, since):
        self.url = url.rstrip("/")
        self.since = since
        self._series = {}

    def get(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=30) as response:
            body = json.load(response)
        if body.get("status") != "success":
            raise RuntimeError(body)
        return body["data"]

    def query(self, expr):
        try:
            return self.get("/api/v1/query", query=expr)["result"], None
        except urllib.error.HTTPError as err:
            return None, json.load(err).get("error", str(err))

    def series(self, name):
        if name not in self._series:
            self._series[name] = self.get("/api/v1/series", **{"match[]": name, "start": self.since})
        return self._series[name]


def live(prometheus_url, since):
    prometheus = Prometheus(prometheus_url, since)
    failures = Failures()
    expressions = []
    for file, group, rule in rules():
        kind = "alert" if "alert" in rule else "record"
        expressions.append((f"{file} {kind} {rule.get('alert') or rule.get('record')}", rule["expr"], None))
    expressions.extend(dashboard_queries())

    checked_names = set()
    empty = []
    for where, raw, label_arg in expressions:
        expr = substitute(raw)
        result, error = prometheus.query(expr)
        if error:
            failures.add(f"{where}: query failed: {error}")
            continue
        if not result:
            empty.append(where)
        for name in sorted(metric_names(expr)):
            checked_names.add(name)
            if not prometheus.series(name):
                failures.add(f"{where}: metric {name} has no series")
        for name, matchers in selectors(expr):
            series = prometheus.series(name)
            if not series:
                continue
            for label, operator, value in matchers:
                values = {s.get(label) for s in series} - {None}
                if not values:
                    failures.add(f"{where}: {name} never has a label {label!r}")
                elif operator == "=" and value and value not in values:
                    failures.add(f"{where}: {name}{{{label}={value!r}}} never seen (values: {sorted(values)[:8]})")
                elif operator == "=~" and label == "le" and not any(
                    re.fullmatch(value.encode().decode("unicode_escape"), v) for v in values
                ):
                    # Bucket boundaries are fixed: a pattern that matches none is a dead rule.
                    failures.add(f"{where}: {name}{{le=~{value!r}}} matches no bucket ({sorted(values)[:8]})")
        if label_arg:
            series = [s for name in metric_names(expr) for s in prometheus.series(name)]
            if series and not any(label_arg in s for s in series):
                failures.add(f"{where}: label_values label {label_arg!r} is not on {expr}")

    print(f"  {len(expressions)} expressions evaluated, {len(checked_names)} metric names checked:")
    for name in sorted(checked_names):
        print(f"    {name}: {len(prometheus.series(name))} series")
    if empty:
        print(f"  {len(empty)} expression(s) returned no sample right now (allowed: their series exist):")
        for where in empty:
            print(f"    {where}")
    failures.exit("live checks")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("static")
    live_parser = sub.add_parser("live")
    live_parser.add_argument("--prometheus", required=True)
    live_parser.add_argument("--since", required=True, type=float)
    args = parser.parse_args()
    if args.command == "static":
        static()
    else:
        live(args.prometheus, args.since)


if __name__ == "__main__":
    main()
