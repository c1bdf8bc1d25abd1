#!/usr/bin/env python3
"""Formats bench/run's JSON outputs as one-line figures.
usage: summarize.py load [base.json] < loadgen.json   |   summarize.py releases < `shipshape releases --format json`"""
import json
import sys


def load(d, base=None):
    line = (f"{d['requests']} requests at {d['rate']:.0f} req/s, {d['failed']} failed, non-2xx {d['non2xx']}, "
            f"p50 {d['p50_ms']:.2f} ms, p99 {d['p99_ms']:.2f} ms")
    if base:
        line += f" (p99 {d['p99_ms'] - base['p99_ms']:+.2f} ms vs the reference run)"
    bodies = d.get("bodies", {})
    if len(bodies) > 0 and any(k for k in bodies):
        line += ", answered by: " + ", ".join(f"{k or '(empty)'} {v}" for k, v in sorted(bodies.items()))
    return line


def releases(rows):
    out = []
    for r in rows:
        out.append(f"  release {r['id']} {r['image']}: {r['outcome']}"
                   f", time to detect {r['time_to_detect_ms']} ms, to roll back {r['time_to_rollback_ms']} ms"
                   + (f" ({r['reason']})" if r.get('reason') else ""))
    return "\n".join(out)


if __name__ == "__main__":
    data = json.load(sys.stdin)
    if sys.argv[1] == "load":
        base = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
        print(load(data, base))
    else:
        print(releases(data))
