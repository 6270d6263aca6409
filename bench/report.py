#!/usr/bin/env python3
"""Prints the table of saved benchmark results (bench/results/*.json) as Markdown."""

import glob
import json
import os

ROOT = os.path.dirname(os.path.abspath(__file__))
ORDER = ["w1", "w2-grpc", "w2-http", "w2-json", "w2-gzip", "w2-nop", "latency", "idle"]


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, float) and digits:
        return f"{v:.{digits}f}"
    if isinstance(v, (int, float)):
        return f"{v:,.0f}"
    return str(v)


def main():
    results = {}
    for path in glob.glob(os.path.join(ROOT, "results", "*.json")):
        with open(path) as f:
            r = json.load(f)
        results[r["scenario"]] = r
    names = [n for n in ORDER if n in results] + sorted(set(results) - set(ORDER))
    print("| scenario | spans/s delivered | weir CPU (% of one core) | spans per weir CPU-second "
          "| steady RSS MB | peak RSS MB | hand-off latency p50 / p99 / p99.9 (bucket ≤) "
          "| loadgen request p50 / p99 µs | date | commit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in names:
        r = results[n]
        lat = r.get("handoff_latency_le_seconds") or {}
        lat_s = " / ".join(
            "–" if lat.get(k) is None else f"{lat[k] * 1000:g} ms" for k in ("p50", "p99", "p99.9"))
        load = (r.get("loadgen") or {}).get("latency_us") or {}
        load_s = f"{fmt(load.get('p50'))} / {fmt(load.get('p99'))}" if load else "–"
        if "idle_rss_mb" in r:
            print(f"| {n} | – | – | – | {r['idle_rss_mb']} | {r['peak_rss_mb']} | – | – "
                  f"| {r['date']} | {r['commit']} |")
            continue
        print(f"| {n} | {fmt(r.get('spans_per_second'))} | {fmt(r.get('cpu_percent_of_one_core'), 1)} "
              f"| {fmt(r.get('spans_per_cpu_second'))} | {r.get('steady_rss_mb')} "
              f"| {r.get('peak_rss_mb')} | {lat_s} | {load_s} | {r['date']} | {r['commit']} |")
    if results:
        print(f"\nMachine: {next(iter(results.values()))['machine']}")


if __name__ == "__main__":
    main()
