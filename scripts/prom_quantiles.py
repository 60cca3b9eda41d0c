#!/usr/bin/env python3
"""Quantiles of a Prometheus histogram from a saved /metrics page, per label set.

    scripts/prom_quantiles.py FILE [METRIC] [--by label,label]

Defaults: greetings_http_request_duration_seconds grouped by method and route. Quantiles are
interpolated inside buckets, as histogram_quantile() does. scripts/k6.sh uses it to print the
server-side latency next to k6's client-side figures: a gap between them is time spent queued
in the client or on the machine, not in the service.
"""

import argparse
import math
import re
from collections import defaultdict

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s+(\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    total = buckets[-1][1]
    if total == 0:
        return math.nan
    rank = q * total
    prev_le, prev_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return prev_le
            width = count - prev_count
            return prev_le + (le - prev_le) * ((rank - prev_count) / width if width else 1)
        prev_le, prev_count = le, count
    return prev_le


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("metric", nargs="?", default="greetings_http_request_duration_seconds")
    parser.add_argument("--by", default="method,route")
    args = parser.parse_args()
    by = args.by.split(",")
    series: dict[tuple, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for line in open(args.file):
        m = LINE.match(line.strip())
        if not m or m.group(1) != f"{args.metric}_bucket":
            continue
        labels = dict(LABEL.findall(m.group(2)))
        key = tuple(labels.get(b, "") for b in by)
        series[key][float(labels["le"].replace("+Inf", "inf"))] += float(m.group(3))
    if not series:
        print(f"  (no {args.metric} histogram in {args.file})")
        return
    print(f"  {'  '.join(by)}: count, p50 / p95 / p99 ms (server side)")
    for key in sorted(series):
        buckets = sorted(series[key].items())
        p = [quantile(q, buckets) * 1000 for q in (0.5, 0.95, 0.99)]
        print(f"  {' '.join(key):<40} {buckets[-1][1]:>9.0f}  {p[0]:7.1f} / {p[1]:7.1f} / {p[2]:7.1f}")


if __name__ == "__main__":
    main()
