#!/usr/bin/env python3
"""Summarise the wrk runs of tools/bench: a table, the ratio line, optional JSON.

Usage: wrk_report.py RUN_DIR [--json FILE] [--target 0.8]

RUN_DIR holds one file per wrk run, named `<round>-<side>.txt` (side is `nginx`
or `lifelined`), wrk's own output with --latency, and `meta.json` (what was run
and the memory figures) written by tools/bench.

Prints the report on stdout. Exit status: 0 at or above the target, 3 below it,
2 when a run is missing or unreadable (tools/bench turns that into a failure).
"""
import json
import pathlib
import re
import statistics
import sys

SIDES = ("nginx", "lifelined")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unreadable latency {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse_wrk(text):
    """wrk --latency output -> dict; raises ValueError if it is not a finished run."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if not rps:
        raise ValueError("no Requests/sec line (wrk did not finish?)")
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text, re.M)
    lat = {}
    for pct, val in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", text, re.M):
        lat[pct] = to_ms(val)
    if "50" not in lat or "99" not in lat:
        raise ValueError("no latency distribution (was --latency given?)")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = dict(zip(("connect", "read", "write", "timeout"),
                      map(int, sock.groups()))) if sock else {}
    return {
        "requests_per_s": float(rps.group(1)),
        "requests": int(total.group(1)) if total else None,
        "latency_ms": {"p50": lat["50"], "p75": lat.get("75"), "p90": lat.get("90"),
                       "p99": lat["99"]},
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors,
    }


def fmt_kb(kb):
    return f"{kb / 1024:.1f} MiB" if kb is not None else "?"


def main(argv):
    args = list(argv[1:])
    json_out = None
    target = 0.8
    while len(args) > 1:
        if args[-2] == "--json":
            json_out = args[-1]
        elif args[-2] == "--target":
            target = float(args[-1])
        else:
            break
        del args[-2:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir = pathlib.Path(args[0])
    meta = json.loads((run_dir / "meta.json").read_text())

    runs = {s: [] for s in SIDES}
    for path in sorted(run_dir.glob("*-*.txt")):
        rnd, side = path.stem.split("-", 1)
        if side not in runs:
            continue
        try:
            r = parse_wrk(path.read_text(errors="replace"))
        except ValueError as e:
            print(f"bench: {path.name}: {e}", file=sys.stderr)
            print(path.read_text(errors="replace"), file=sys.stderr)
            return 2
        r["round"] = int(rnd)
        cpu = path.with_name(path.name + ".cpu")
        if cpu.exists():
            r["cpu"] = json.loads(cpu.read_text())
            c = r["cpu"]
            if r["requests"] and c["server_cpu_s"] > 0:
                r["server_cpu_us_per_request"] = round(c["server_cpu_s"] * 1e6 / r["requests"], 2)
            # What the machine spent on anything but this server and wrk, as a
            # share of all its CPUs over the run: ~0 on a quiet machine.
            others = c["machine_busy_cpu_s"] - c["server_cpu_s"] - c["wrk_cpu_s"]
            r["other_processes_cpu_share"] = round(
                max(0.0, others) / (c["wall_s"] * meta["cpus"]), 3)
        runs[side].append(r)
    for s in SIDES:
        if not runs[s]:
            print(f"bench: no finished wrk run for {s}", file=sys.stderr)
            return 2

    best = {s: max(runs[s], key=lambda r: r["requests_per_s"]) for s in SIDES}
    median = {s: statistics.median(r["requests_per_s"] for r in runs[s]) for s in SIDES}
    ratio = best["lifelined"]["requests_per_s"] / best["nginx"]["requests_per_s"]
    ratio_median = median["lifelined"] / median["nginx"]
    ok = ratio >= target

    w = meta["wrk"]
    print(f"wrk -t{w['threads']} -c{w['connections']} -d{w['seconds']}s --latency, "
          f"{w['rounds']} rounds alternating nginx/lifelined, best run per side "
          f"({meta['cpus']} CPUs, build {meta['build_dir']} [{meta['buildtype']}])")
    print()
    print(f"{'server':<30} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10}   "
          f"all runs (req/s)")
    urls = {"nginx": meta["nginx"]["url"], "lifelined": meta["lifelined"]["url"]}
    cpu_per_req = {}
    for s in SIDES:
        b = best[s]
        label = f"{s} {re.sub(r'^http://[^/]+', '', urls[s])}"
        allruns = " ".join(f"{r['requests_per_s']:.0f}" for r in sorted(runs[s], key=lambda r: r["round"]))
        per = [r["server_cpu_us_per_request"] for r in runs[s] if "server_cpu_us_per_request" in r]
        cpu_per_req[s] = statistics.median(per) if per else None
        cpu = f"{cpu_per_req[s]:.1f}" if per else "?"
        print(f"{label:<30} {b['requests_per_s']:>8.0f} {b['latency_ms']['p50']:>7.2f} "
              f"{b['latency_ms']['p99']:>7.2f} {cpu:>10}   {allruns}")
    print()
    problems = []
    shares = [r["other_processes_cpu_share"] for s in SIDES for r in runs[s]
              if "other_processes_cpu_share" in r]
    busiest = max(shares) if shares else None
    if busiest is not None and busiest > 0.05:
        problems.append(f"other processes used up to {busiest:.0%} of the machine's CPU during "
                        f"the runs (load average before: {meta.get('loadavg_before', '?')}): "
                        f"req/s and the ratio are noisy; CPU us/req is the steadier figure")
    for s in SIDES:
        for r in runs[s]:
            errs = {k: v for k, v in r["socket_errors"].items() if v}
            if r["non_2xx"] or errs:
                problems.append(f"{s} round {r['round']}: {r['non_2xx']} non-2xx answers, "
                                f"socket errors {errs or 'none'}")
    for p in problems:
        print(f"warning: {p}")

    mem = meta.get("memory", {})
    lm, nm = mem.get("lifelined", {}), mem.get("nginx_worker", {})
    print(f"memory: lifelined VmRSS {fmt_kb(lm.get('VmRSS_kB'))} (idle before the runs "
          f"{fmt_kb(lm.get('idle_VmRSS_kB'))}), VmHWM {fmt_kb(lm.get('VmHWM_kB'))}; "
          f"nginx worker VmRSS {fmt_kb(nm.get('VmRSS_kB'))}, VmHWM {fmt_kb(nm.get('VmHWM_kB'))}")
    if cpu_per_req["nginx"] and cpu_per_req["lifelined"]:
        print(f"CPU per request: lifelined {cpu_per_req['lifelined']:.1f} us, nginx "
              f"{cpu_per_req['nginx']:.1f} us (nginx/lifelined "
              f"{cpu_per_req['nginx'] / cpu_per_req['lifelined']:.2f})")
    print(f"median of runs: ratio {ratio_median:.2f}")
    print(f"health vs nginx: ratio {ratio:.2f} (target >= {target:g}): "
          f"{'PASS' if ok else 'BELOW TARGET'}")

    if json_out:
        doc = dict(meta)
        doc.update({
            "runs": runs,
            "best": best,
            "median_requests_per_s": median,
            "ratio": round(ratio, 4),
            "ratio_median": round(ratio_median, 4),
            "cpu_us_per_request_median": cpu_per_req,
            "other_processes_cpu_share_max": busiest,
            "target": target,
            "pass": ok,
            "warnings": problems,
        })
        pathlib.Path(json_out).write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
