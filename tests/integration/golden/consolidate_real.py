#!/usr/bin/python3
"""consolidate_real.py - golden numbers for tests/integration/test_consolidate.sh, worked out
independently of the C code under test (core/consolidate.c), from the rules of seed 001 and
DESIGN.md section 6:

  * grid: 5-minute buckets, floor(observed_at / 300 s);
  * per bucket and source class (primary / replica): the price at the class's latest sample time
    (mean of the distinct prices at that time; exact duplicates count once);
  * both classes: |P - R| <= 0.5 % of P (exactly, in millionths) -> P ('deduplicated'),
    else the mean ('averaged', flagged for review); one class -> 'actual';
  * consecutive real buckets more than 10 min apart: the later one is gap-flagged;
    up to 30 min apart: the buckets between are filled linearly ('interpolated').

The staging rows are the real trace loaded as the test loads them (its awk loader):
  every CSV row (1-based row number rn, file order) -> a primary sample;
  rn % 3 == 0            -> also a replica sample with the same price (exact duplicate across classes);
  else rn % 7 == 0       -> also a replica sample at p + floor(p * 4 / 1000) millionths (0.4 %: deduplicated);
  else rn % 11 == 0      -> also a replica sample at p + floor(p * 20 / 1000) + 1 millionths (> 2 %: averaged).
Pools: '<instance_type>.<az>' with the AZ's region renamed us-east-1 -> it-gold-1.

Usage: consolidate_real.py CSV > consolidate_real.txt
"""
import csv
import sys
from collections import defaultdict
from datetime import datetime, timezone

BUCKET = 300
GAP_FLAG = 600
FILL_MAX = 1800


def epoch(ts):
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def main(path):
    samples = defaultdict(list)  # pool -> [(t, micro, is_primary)]
    with open(path, newline="") as f:
        for rn, row in enumerate(csv.DictReader(f), start=1):
            pool = row["instance_type"] + "." + row["availability_zone"].replace("us-east-1", "it-gold-1")
            t = epoch(row["timestamp"])
            pm = int(round(float(row["spot_price"]) * 1_000_000))
            samples[pool].append((t, pm, True))
            if rn % 3 == 0:
                samples[pool].append((t, pm, False))
            elif rn % 7 == 0:
                samples[pool].append((t, pm + (pm * 4) // 1000, False))
            elif rn % 11 == 0:
                samples[pool].append((t, pm + (pm * 20) // 1000 + 1, False))

    counts = defaultdict(int)
    counts["staging_rows"] = sum(len(v) for v in samples.values())
    counts["pools"] = len(samples)
    for pool, ss in samples.items():
        # bucket -> class -> (latest t, set of prices at it)
        buckets = {}
        for t, m, prim in ss:
            b = t - t % BUCKET
            cls = buckets.setdefault(b, {True: None, False: None})
            cur = cls[prim]
            if cur is None or t > cur[0]:
                cls[prim] = (t, {m})
            elif t == cur[0]:
                cur[1].add(m)
        real = []
        for b in sorted(buckets):
            cls = buckets[b]
            p = sum(cls[True][1]) / len(cls[True][1]) if cls[True] else None
            r = sum(cls[False][1]) / len(cls[False][1]) if cls[False] else None
            if p is not None and r is not None:
                counts["merged"] += 1
                if abs(p - r) * 1000 <= 5 * abs(p):
                    flag, price = "deduplicated", p
                else:
                    flag, price = "averaged", (p + r) / 2
            else:
                flag, price = "actual", p if p is not None else r
            real.append((b, price, flag))
        prev = None
        for b, price, flag in real:
            counts["rows"] += 1
            counts[flag] += 1
            gap_flagged = False
            if prev is not None:
                d = b - prev[0]
                if d > GAP_FLAG:
                    gap_flagged = True
                    counts["gap_flagged"] += 1
                if BUCKET < d <= FILL_MAX:
                    n = d // BUCKET - 1
                    counts["interpolated"] += n
                    counts["rows"] += n
            if flag == "averaged" or gap_flagged:
                counts["flagged"] += 1
            prev = (b, price)

    for k in ("staging_rows", "pools", "rows", "actual", "deduplicated", "averaged", "merged", "interpolated",
              "gap_flagged", "flagged"):
        print(f"{k} {counts[k]}")


if __name__ == "__main__":
    main(sys.argv[1])
