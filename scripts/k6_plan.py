#!/usr/bin/env python3
"""Plans the 09:00 instants a k6 run waits for, and the clock offset that brings them close.

The services read "now" from a clock shifted by `GREETINGS__CLOCK__OFFSET_SECONDS`. This picks
a real 09:00 instant T0 (the next one of the anchor zone, or of the largest group of zones that
share an instant), and the offset that puts the shifted "now" `--lead` seconds before it. Every
other instant in `[T0, T0 + --window]` at which some zone of k6/lib/zones.json reaches 09:00 is
a further wave (soak runs). Each wave lists its zones, their local date, and "later" zones
whose 09:00 on that date comes at least two hours after the run: users there must not be
messaged during the run.

Prints one JSON object: {"offsetSeconds", "waves": [{"at", "atMs", "date", "zones",
"laterZones"}]}. Uses the system tz database (zoneinfo); k6/lib/zones.json holds only zones
whose rules have not changed in years, so chrono-tz in the services agrees with it.
"""

import argparse
import datetime as dt
import json
import pathlib
import sys
import time
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
HOUR, MINUTE = 9, 0


def nine_oclock(zone: ZoneInfo, day: dt.date) -> dt.datetime | None:
    """09:00 of `day` in `zone` as a UTC instant, or None when it does not exist (DST gap)."""
    local = dt.datetime(day.year, day.month, day.day, HOUR, MINUTE, tzinfo=zone)
    instant = local.astimezone(UTC)
    back = instant.astimezone(zone)
    if (back.hour, back.minute, back.date()) != (HOUR, MINUTE, day):
        return None
    return instant


def instants(zones: list[str], start: dt.datetime, end: dt.datetime) -> dict:
    """{instant: [(zone, local date)]} for every 09:00 in [start, end]."""
    found: dict[dt.datetime, list[tuple[str, dt.date]]] = {}
    for name in zones:
        zone = ZoneInfo(name)
        first = (start - dt.timedelta(days=2)).date()
        for i in range((end - start).days + 5):
            day = first + dt.timedelta(days=i)
            at = nine_oclock(zone, day)
            if at is not None and start <= at <= end:
                found.setdefault(at, []).append((name, day))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lead", type=float, required=True, help="seconds from now to T0")
    parser.add_argument("--window", type=float, default=0, help="seconds of further waves")
    parser.add_argument("--anchor", default="", help="zone whose 09:00 is T0 (default: largest group)")
    parser.add_argument("--zones", default=str(pathlib.Path(__file__).parent.parent / "k6/lib/zones.json"))
    parser.add_argument("--now", type=float, default=None, help="real epoch seconds (tests)")
    args = parser.parse_args()

    zones = json.loads(pathlib.Path(args.zones).read_text())
    real_now = dt.datetime.fromtimestamp(args.now if args.now is not None else time.time(), UTC)
    horizon = real_now + dt.timedelta(hours=26)
    upcoming = instants(zones, real_now + dt.timedelta(seconds=args.lead), horizon)
    if args.anchor:
        candidates = [at for at, group in upcoming.items() if any(z == args.anchor for z, _ in group)]
        if not candidates:
            print(f"anchor zone {args.anchor} is not in {args.zones}", file=sys.stderr)
            return 2
        t0 = min(candidates)
    else:
        # The largest group; the earliest among equals keeps the offset small.
        t0 = max(upcoming, key=lambda at: (len(upcoming[at]), -at.timestamp()))
    offset = round((t0 - real_now).total_seconds() - args.lead)

    end = t0 + dt.timedelta(seconds=args.window)
    waves = []
    for at, group in sorted(instants(zones, t0, end).items()):
        date = group[0][1]
        wave_zones = sorted(zone for zone, _ in group)
        later = sorted(
            name for name in zones
            if (nine := nine_oclock(ZoneInfo(name), date)) is not None
            and nine >= end + dt.timedelta(hours=2)
            and nine <= at + dt.timedelta(hours=60)
        )
        waves.append({
            "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "atMs": int(at.timestamp() * 1000),
            "date": date.isoformat(),
            "zones": wave_zones,
            "laterZones": later,
        })
    json.dump({"offsetSeconds": offset, "waves": waves}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
