#!/usr/bin/env python3
"""Summarise the wrk runs of tools/bench: a table, the ratio line, optional JSON.

Usage: wrk_report.py RUN_DIR [--target 0.8] [--json FILE]

RUN_DIR holds, per wrk run, `<round>-<side>.txt` (wrk's output with --latency;
side is nginx, lifelined or baseline) and `<round>-<side>.txt.cpu` (CPU seconds
of the server, of wrk and of the whole machine over the run, and its wall time),
plus `meta.json` (what was run, and the memory figures) written by tools/bench.

Prints the report on stdout. Exit status: 0 at or above the target, 3 below it,
2 when a run is missing or unreadable (tools/bench turns that into a failure).
"""
import json
import pathlib
import re
import statistics
import sys

KNOWN_SIDES = ("nginx", "lifelined", "baseline")
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


def add_cpu(run, cpu, ncpus):
    run["cpu"] = cpu
    if run["requests"] and cpu["server_cpu_s"] > 0:
        run["server_cpu_us_per_request"] = round(cpu["server_cpu_s"] * 1e6 / run["requests"], 2)
    # What the machine spent on anything but this server and wrk, as a share of
    # all its CPUs over the run: about 0 on a quiet machine.
    others = cpu["machine_busy_cpu_s"] - cpu["server_cpu_s"] - cpu["wrk_cpu_s"]
    run["other_processes_cpu_share"] = round(max(0.0, others) / (cpu["wall_s"] * ncpus), 3)


def mib(kb):
    return f"{kb / 1024:.1f} MiB" if kb is not None else "?"


def main(argv):
    args = list(argv[1:])
    json_out = None
    target = 0.8
    rest = []
    while args:
        a = args.pop(0)
        if a in ("--json", "--target") and args:
            v = args.pop(0)
            if a == "--json":
                json_out = v
            else:
                target = float(v)
        else:
            rest.append(a)
    if len(rest) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir = pathlib.Path(rest[0])
    meta = json.loads((run_dir / "meta.json").read_text())

    runs = {}
    for path in sorted(run_dir.glob("*-*.txt")):
        rnd, side = path.stem.split("-", 1)
        if side not in KNOWN_SIDES:
            continue
        try:
            run = parse_wrk(path.read_text(errors="replace"))
        except ValueError as e:
            print(f"bench: {path.name}: {e}", file=sys.stderr)
            print(path.read_text(errors="replace"), file=sys.stderr)
            return 2
        run["round"] = int(rnd)
        cpu = path.with_name(path.name + ".cpu")
        if cpu.exists():
            add_cpu(run, json.loads(cpu.read_text()), meta["cpus"])
        runs.setdefault(side, []).append(run)
    for s in ("nginx", "lifelined"):
        if not runs.get(s):
            print(f"bench: no finished wrk run for {s}", file=sys.stderr)
            return 2
    sides = [s for s in KNOWN_SIDES if s in runs]

    best = {s: max(runs[s], key=lambda r: r["requests_per_s"]) for s in sides}
    median = {s: statistics.median(r["requests_per_s"] for r in runs[s]) for s in sides}
    cpu_per_req = {}
    for s in sides:
        per = [r["server_cpu_us_per_request"] for r in runs[s] if "server_cpu_us_per_request" in r]
        cpu_per_req[s] = statistics.median(per) if per else None
    ratio = best["lifelined"]["requests_per_s"] / best["nginx"]["requests_per_s"]
    ratio_median = median["lifelined"] / median["nginx"]
    ok = ratio >= target

    w = meta["wrk"]
    print(f"wrk -t{w['threads']} -c{w['connections']} -d{w['seconds']}s --latency, "
          f"{w['rounds']} round(s) alternating {'/'.join(sides)}; best run per server")
    print(f"{meta['cpus']} CPUs; lifelined from {meta['build_dir']} ({meta['buildtype']}); "
          f"nginx {meta['nginx'].get('version', '?')}, 1 worker; body {meta['body_bytes']} bytes")
    print()
    labels = {"nginx": "nginx (static file)", "lifelined": "lifelined /api/v1/health",
              "baseline": "bare evhttp baseline"}
    print(f"{'server':<26} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10}   "
          f"all runs (req/s)")
    for s in sides:
        b = best[s]
        allruns = " ".join(f"{r['requests_per_s']:.0f}"
                           for r in sorted(runs[s], key=lambda r: r["round"]))
        cpu = f"{cpu_per_req[s]:.1f}" if cpu_per_req[s] else "?"
        print(f"{labels[s]:<26} {b['requests_per_s']:>8.0f} {b['latency_ms']['p50']:>7.2f} "
              f"{b['latency_ms']['p99']:>7.2f} {cpu:>10}   {allruns}")
    print()

    warnings = []
    for s in sides:
        for r in runs[s]:
            errs = {k: v for k, v in r["socket_errors"].items() if v}
            if r["non_2xx"] or errs:
                warnings.append(f"{s} round {r['round']}: {r['non_2xx']} non-2xx answers, "
                                f"socket errors {errs or 'none'}")
    shares = [r["other_processes_cpu_share"] for s in sides for r in runs[s]
              if "other_processes_cpu_share" in r]
    busiest = max(shares) if shares else None
    if busiest is not None and busiest > 0.05:
        warnings.append(
            f"other processes used up to {busiest:.0%} of the machine's CPU during a run "
            f"(load average before: {meta.get('loadavg_before', '?')}): req/s and the ratio "
            f"are noisy; CPU us/req is the steadier figure")
    for line in warnings:
        print(f"warning: {line}")

    mem = meta.get("memory", {})
    lm, nm = mem.get("lifelined", {}), mem.get("nginx_worker", {})
    print(f"memory after the runs: lifelined VmRSS {mib(lm.get('VmRSS_kB'))} "
          f"(idle before: {mib(lm.get('idle_VmRSS_kB'))}), VmHWM {mib(lm.get('VmHWM_kB'))}; "
          f"nginx worker VmRSS {mib(nm.get('VmRSS_kB'))}, VmHWM {mib(nm.get('VmHWM_kB'))}")
    if cpu_per_req["nginx"] and cpu_per_req["lifelined"]:
        print(f"CPU per request (median): lifelined {cpu_per_req['lifelined']:.1f} us, "
              f"nginx {cpu_per_req['nginx']:.1f} us: nginx/lifelined "
              f"{cpu_per_req['nginx'] / cpu_per_req['lifelined']:.2f}")
    if "baseline" in sides:
        line = (f"lifelined vs bare evhttp: ratio "
                f"{best['lifelined']['requests_per_s'] / best['baseline']['requests_per_s']:.2f}"
                f" (req/s); bare evhttp vs nginx: "
                f"{best['baseline']['requests_per_s'] / best['nginx']['requests_per_s']:.2f}")
        if cpu_per_req["baseline"] and cpu_per_req["lifelined"]:
            line += (f"; lifelined adds {cpu_per_req['lifelined'] - cpu_per_req['baseline']:.1f}"
                     f" us CPU per request to evhttp's")
        print(line)
    print(f"median of runs: ratio {ratio_median:.2f}")
    print(f"health vs nginx: ratio {ratio:.2f} (target >= {target:g}): "
          f"{'PASS' if ok else 'BELOW TARGET'}")

    if json_out:
        doc = dict(meta)
        doc.update({
            "runs": runs,
            "best": best,
            "median_requests_per_s": median,
            "cpu_us_per_request_median": cpu_per_req,
            "other_processes_cpu_share_max": busiest,
            "ratio": round(ratio, 4),
            "ratio_median": round(ratio_median, 4),
            "target": target,
            "pass": ok,
            "warnings": warnings,
        })
        pathlib.Path(json_out).write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
