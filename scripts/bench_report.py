#!/usr/bin/env python3
"""Turns the outputs of scripts/bench.sh into one table and one plot.

Reads, from the folder given (reports/bench): scheduler.txt (bench_scheduler), delivery-
{burst,small,errors}.txt and timeline-*.csv (bench_delivery), k6-api-bench.json (k6/api.js
SCENARIO=bench) and api-process.txt, machine.txt. Every figure comes from those files; only the
targets (issue 6) are written here. A figure whose run was smaller than its target's size is
shown but not judged. Prints the table, writes results.md and delivery.png beside the inputs.
"""

import csv
import json
import math
import pathlib
import re
import sys

NAN = float("nan")


def rows(path: pathlib.Path) -> dict[str, str]:
    """The `| measure | value |` rows of a benchmark's output."""
    found = {}
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        m = re.match(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|$", line)
        if m and m.group(1) not in ("measure", "---"):
            found[m.group(1)] = m.group(2)
    return found


def numbers(text: str | None) -> list[float]:
    if text is None:
        return []
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|nan|inf", text)]


def first(text: str | None) -> float:
    values = numbers(text)
    return values[0] if values else NAN


def fmt(x: float, digits: int = 0, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "not measured"
    return f"{x:,.{digits}f}{unit}"


def size(x: float) -> str:
    """A run's size for a label: its count, or '?' when the run produced nothing."""
    return "?" if math.isnan(x) else f"{x:,.0f}"


def judge(ok: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not judged"}[ok]


class Table:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, str]] = []

    def add(self, figure: str, value: str, target: str = "", ok: bool | None = None, note: str = "") -> None:
        verdict = judge(ok) if target else ""
        if note:
            verdict = f"{verdict} ({note})" if verdict else note
        self.lines.append((figure, value, target, verdict))

    def markdown(self) -> str:
        out = ["| figure | measured | target | verdict |", "|---|---|---|---|"]
        out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.lines]
        return "\n".join(out)


def check(value: float, test) -> bool | None:
    return None if math.isnan(value) else bool(test(value))


def main() -> int:
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "reports/bench")
    machine = (folder / "machine.txt").read_text() if (folder / "machine.txt").exists() else ""
    sched = rows(folder / "scheduler.txt")
    runs = {name: rows(folder / f"delivery-{name}.txt") for name in ("burst", "small", "errors")}
    api_summary = folder / "k6-api-bench.json"
    api = json.loads(api_summary.read_text())["figures"] if api_summary.exists() else {}
    process = {}
    if (folder / "api-process.txt").exists():
        for line in (folder / "api-process.txt").read_text().splitlines():
            key, _, value = line.partition(" ")
            process[key] = first(value)

    t = Table()
    # --- API ---------------------------------------------------------------------------
    g = lambda key: float(api.get(key, NAN)) if api.get(key) is not None else NAN  # noqa: E731
    for phase, label, rps_target, p99_target in (
        ("create", "POST /api/v1/users", 3000, 50),
        ("read", "GET /api/v1/users/{id}", 15000, 10),
    ):
        rps, p99 = g(f"{phase}_rps"), g(f"{phase}_p99_ms")
        t.add(f"API {label}: requests/s ({api.get('vus', '?')} VUs, closed loop)", fmt(rps),
              f"≥ {rps_target:,}", check(rps, lambda v: v >= rps_target))
        t.add(f"API {label}: p50 / p95 / p99",
              f"{fmt(g(f'{phase}_p50_ms'), 1)} / {fmt(g(f'{phase}_p95_ms'), 1)} / {fmt(p99, 1)} ms",
              f"p99 < {p99_target} ms", check(p99, lambda v: v < p99_target))
        t.add(f"API {label}: error rate", fmt(g(f"{phase}_error_rate") * 100, 2, " %"))

    # --- scheduler -----------------------------------------------------------------------
    swept = first(sched.get("users swept by the materialiser"))
    materialised = first(sched.get("occurrence rows materialised"))
    mat_secs = first(sched.get("materialise wall time"))
    full_size = swept >= 1_000_000
    t.add("materialiser: users swept / occurrence rows", f"{fmt(swept)} / {fmt(materialised)}")
    t.add("materialiser: wall time", fmt(mat_secs, 1, " s"), "1,000,000 users ≤ 30 s",
          check(mat_secs, lambda v: v <= 30) if full_size else None,
          "" if full_size or math.isnan(swept) else f"run had {swept:,.0f} users")
    # Only occasions inside the 72 h horizon become rows: most users need none, so the sweep
    # rate (users/s) is the figure that scales to 1,000,000 users.
    t.add("materialiser: users swept per second; occurrence rows per second",
          f"{fmt(swept / mat_secs if mat_secs else NAN)}; {fmt(materialised / mat_secs if mat_secs else NAN)}")
    t.add("materialiser (benchmark process) peak RSS", fmt(first(sched.get("peak RSS of the benchmark process")), 0, " MiB"),
          "constant memory", None, "compare runs of different sizes")
    cps = first(sched.get("claimed + published per second"))
    t.add(f"claimed + published per second ({fmt(first(sched.get('occurrences claimed + published (confirmed)')))} due)",
          fmt(cps), "≥ 8,000", check(cps, lambda v: v >= 8000))

    # --- delivery ------------------------------------------------------------------------
    def delivery(name: str, title: str) -> dict:
        r = runs[name]
        messages = first(r.get("messages due at one instant"))
        wall = first(r.get("wall time, due instant to last delivery"))
        late = numbers(r.get("lateness p50 / p99 / max"))
        sim = numbers(r.get("simulator: requests / 2xx / distinct keys / duplicates"))
        d = {
            "messages": messages,
            "delivered": first(r.get("delivered")),
            "wall": wall,
            "rate": first(r.get("delivered per second")),
            "p50": late[0] if late else NAN,
            "p99": late[1] if len(late) > 1 else NAN,
            "max": late[2] if len(late) > 2 else NAN,
            "early": first(r.get("delivered before the due instant")),
            "requests": sim[0] if sim else NAN,
            "distinct": sim[2] if len(sim) > 2 else NAN,
            "duplicates": sim[3] if len(sim) > 3 else NAN,
        }
        d["lost"] = d["messages"] - d["distinct"]
        d["title"] = title
        d["services"] = {k.split(" peak")[0]: numbers(v) for k, v in r.items() if "peak RSS / CPU time" in k}
        return d

    burst = delivery("burst", "burst")
    small = delivery("small", "small burst")
    errors = delivery("errors", "burst with e-mail errors")
    n = burst["messages"]
    t.add(f"burst of {size(n)} due at one instant: delivered / s, end to end", fmt(burst["rate"]),
          "≥ 3,000", check(burst["rate"], lambda v: v >= 3000))
    t.add(f"burst of {size(n)}: due instant → last delivery", fmt(burst["wall"], 1, " s"),
          "100,000 within 45 s", check(burst["wall"], lambda v: v <= 45) if n == 100_000 else None,
          "" if n == 100_000 or math.isnan(n) else f"run had {n:,.0f}")
    t.add(f"burst of {size(n)}: lateness p50 / p99 / max",
          f"{fmt(burst['p50'], 2)} / {fmt(burst['p99'], 2)} / {fmt(burst['max'], 2)} s")
    m = small["messages"]
    sized = m == 10_000
    note = "" if sized or math.isnan(m) else f"run had {m:,.0f}"
    t.add(f"burst of {size(m)}: delivered / s", fmt(small["rate"]), "10,000 at ≥ 3,500/s",
          check(small["rate"], lambda v: v >= 3500) if sized else None, note)
    t.add(f"burst of {size(m)}: lateness p50 / p99 / max",
          f"{fmt(small['p50'], 2)} / {fmt(small['p99'], 2)} / {fmt(small['max'], 2)} s", "p99 ≤ 3 s",
          check(small["p99"], lambda v: v <= 3) if sized else None, note)
    e = errors["messages"]
    sized = e == 10_000
    note = "" if sized or math.isnan(e) else f"run had {e:,.0f}"
    all_delivered = errors["delivered"] == errors["messages"]
    t.add(f"burst of {size(e)} with e-mail errors: delivered / s; attempts per message",
          f"{fmt(errors['rate'])}; {fmt(errors['requests'] / errors['messages'] if errors['messages'] else NAN, 2)}")
    t.add(f"burst of {size(e)} with e-mail errors: lateness p50 / p99 / max",
          f"{fmt(errors['p50'], 2)} / {fmt(errors['p99'], 2)} / {fmt(errors['max'], 2)} s",
          "all delivered, p99 ≤ 5 s, none early",
          check(errors["p99"], lambda v: v <= 5 and all_delivered and errors["early"] == 0) if sized else None, note)
    for d in (burst, small, errors):
        t.add(f"{d['title']}: duplicates / losses seen by the simulator; delivered before 09:00",
              f"{fmt(d['duplicates'])} / {fmt(d['lost'])}; {fmt(d['early'])}", "0 / 0; 0",
              check(d["duplicates"] + d["lost"] + d["early"], lambda v: v == 0))

    # --- resources -----------------------------------------------------------------------
    api_rss, api_cpu, api_wall = process.get("peak_rss_mib", NAN), process.get("cpu_seconds", NAN), process.get("wall_seconds", NAN)
    t.add("api: peak RSS; CPU (k6 phase)",
          f"{fmt(api_rss, 0, ' MiB')}; {fmt(api_cpu, 1, ' s')} = {fmt(api_cpu / api_wall if api_wall else NAN, 2)} cores",
          "≤ 150 MB", check(api_rss, lambda v: v * 1.048576 <= 150))
    pg_cpu = process.get("postgres_cpu_seconds", NAN)
    t.add("Postgres backends of the api's pool: CPU (k6 phase)",
          f"{fmt(pg_cpu, 1, ' s')} = {fmt(pg_cpu / api_wall if api_wall else NAN, 2)} cores")
    k6_cpu = process.get("k6_cpu_seconds", NAN)
    t.add("k6 (the load generator, same cores): CPU", f"{fmt(k6_cpu, 1, ' s')} = {fmt(k6_cpu / api_wall if api_wall else NAN, 2)} cores")
    for service in sorted({s for d in (burst, small, errors) for s in d["services"]}):
        peak = max((d["services"].get(service, [NAN])[0] for d in (burst, small, errors)), default=NAN)
        cpu = burst["services"].get(service, [NAN, NAN])
        per_k = cpu[1] / burst["messages"] * 1000 if len(cpu) > 1 and burst["messages"] else NAN
        t.add(f"{service}: peak RSS (max of the delivery runs); CPU (burst run)",
              f"{fmt(peak, 0, ' MiB')}; {fmt(cpu[1] if len(cpu) > 1 else NAN, 1, ' s')} = {fmt(per_k, 2, ' s')} per 1,000 messages",
              "≤ 150 MB", check(peak, lambda v: v * 1.048576 <= 150))

    table = t.markdown()
    text = "\n".join([
        "# Benchmark results (scripts/bench.sh)", "", "```", machine.strip(), "```", "", table, "",
        "Plot: delivery.png (delivered/s and backlog per half second after the due instant).", "",
    ])
    (folder / "results.md").write_text(text)
    print()
    print(machine.strip())
    print()
    print(table)
    plot(folder)
    print(f"\nwritten: {folder / 'results.md'}" + (f", {folder / 'delivery.png'}" if (folder / "delivery.png").exists() else ""))
    return 0


def plot(folder: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    for name, label in (("burst", "burst"), ("small", "small burst"), ("errors", "small burst, e-mail errors")):
        path = folder / f"timeline-{name}.csv"
        if not path.exists():
            continue
        with path.open() as f:
            data = [(float(r["seconds_since_due"]), int(r["delivered"]), int(r["backlog"])) for r in csv.DictReader(f)]
        if len(data) < 2:
            continue
        total = data[-1][1] + data[-1][2]
        xs = [t for t, _, _ in data]
        rates = [0.0] + [
            (data[i][1] - data[i - 1][1]) / max(data[i][0] - data[i - 1][0], 1e-3) for i in range(1, len(data))
        ]
        top.plot(xs, rates, drawstyle="steps-pre", label=f"{label} ({total:,})")
        bottom.plot(xs, [b for _, _, b in data], label=f"{label} ({total:,})")
    if not top.lines:
        print("no plot: no delivery timeline was written (see the failed steps)")
        plt.close(fig)
        return
    top.set_ylabel("delivered / s")
    top.set_title("Messages due at one instant: delivery rate and backlog (bench_delivery)")
    top.grid(alpha=0.3)
    top.legend()
    bottom.set_ylabel("backlog (not yet final)")
    bottom.set_xlabel("seconds since the due instant")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(folder / "delivery.png", dpi=110)


if __name__ == "__main__":
    sys.exit(main())
