#!/usr/bin/env python3
"""Authoritative DNS throughput and latency: Cairn against Knot DNS, same zone, same run.

    bench/dns_vs_knot.py [--duration 10] [--rate 20000] [--lat-duration 5] [--records 100000]
                         [--cairn NAME=PATH ...] [--rounds 1]

For each server in turn (Knot first, then Cairn with --dns-workers 1; Knot with one UDP and
one TCP worker), the server pinned to core 1 and dnsperf to core 0 (taskset):
  1. warm-up: 1 s of dnsperf;
  2. throughput: dnsperf at full speed for --duration s (-c 4 -q 200); QPS as dnsperf reports
     it, the server's CPU-seconds over the run (utime+stime of the whole process from
     /proc/PID/stat), and QPS per server core-second = completed queries / CPU-seconds;
  3. latency: dnsperf -Q --rate for --lat-duration s with -v (one line per query, with its
     latency); p50/p99/p99.9 are computed from those lines, since dnsperf 2.10 itself only
     prints the average, min, max and standard deviation;
  4. memory: VmRSS and VmHWM from /proc/PID/status after the runs.
Then the Cairn/Knot ratios. Results also go to bench/out/dns_vs_knot.json.

`--cairn NAME=PATH` (repeatable) measures several Cairn binaries in the same run, each as a
column "cairn:NAME", e.g. a build from before a change against one after it; `--rounds N`
measures every server N times, interleaved (knot, old, new, knot, old, new, ...), and
reports each figure's median, so a machine whose speed drifts during the run treats every
server alike. Without --cairn, the binary is $CAIRN_BIN or target/release/cairn.

On two cores dnsperf itself tops out near Knot's rate, so raw QPS mostly measures dnsperf:
QPS per server core-second is the ranking figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from gen_zone import ZONE, generate  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def mem_kib(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(val.split()[0])
    return out


def dnsperf(addr, queries: Path, *, duration: float, cpu: int, extra=(), verbose=False) -> dict:
    cmd = ["dnsperf", "-s", addr[0], "-p", str(addr[1]), "-d", str(queries), "-l", str(duration),
           *extra]
    if verbose:
        cmd.append("-v")
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60,
                         stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    text = res.stdout

    def num(pattern, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None

    out = {
        "command": " ".join(cmd),
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "completed": num(r"Queries completed:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "avg_latency_s": num(r"Average Latency \(s\):\s+([\d.]+)"),
        "rcodes": dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+) \([\d.]+%\)",
                                                          (re.search(r"Response codes:\s+(.*)", text)
                                                           or re.search("()", "")).group(1))),
    }
    if verbose:
        lat = sorted(float(m) for m in re.findall(r"^> \S+ \S+ \S+ ([\d.]+)$", text, re.M))
        if lat:
            def pct(p):
                return lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
            out.update(samples=len(lat), p50_ms=pct(50) * 1e3, p99_ms=pct(99) * 1e3,
                       p999_ms=pct(99.9) * 1e3, max_ms=lat[-1] * 1e3)
    return out


def measure(srv: harness.Server, queries: Path, args) -> dict:
    pid = srv.pid
    dnsperf(srv.addr, queries, duration=1, cpu=args.client_cpu, extra=["-c", "4", "-q", "200"])
    c0, t0 = cpu_seconds(pid), time.monotonic()
    thr = dnsperf(srv.addr, queries, duration=args.duration, cpu=args.client_cpu,
                  extra=["-c", "4", "-q", "200"])
    cpu = cpu_seconds(pid) - c0
    wall = time.monotonic() - t0
    lat = dnsperf(srv.addr, queries, duration=args.lat_duration, cpu=args.client_cpu,
                  extra=["-Q", str(args.rate), "-c", "4"], verbose=True)
    mem = mem_kib(pid)
    return {
        "throughput": thr,
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "qps_per_core_second": (thr["completed"] or 0) / cpu if cpu > 0 else None,
        "latency": lat,
        "rss_kib": mem.get("VmRSS"),
        "hwm_kib": mem.get("VmHWM"),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--lat-duration", type=float, default=5)
    p.add_argument("--rate", type=int, default=20000, help="fixed query rate for the latency run")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200_000)
    p.add_argument("--only", choices=["knot", "cairn"], help="run one server only")
    p.add_argument("--out", type=Path, default=HERE / "out")
    p.add_argument("--cairn", action="append", metavar="NAME=PATH",
                   help="a Cairn binary to measure, as column cairn:NAME (repeatable)")
    p.add_argument("--rounds", type=int, default=1, help="measure every server this many times, "
                   "interleaved; report medians")
    args = p.parse_args()
    cairns = []
    for spec in args.cairn or []:
        name, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            sys.exit(f"--cairn {spec}: expected NAME=PATH to a binary")
        cairns.append((f"cairn:{name}", Path(path).resolve()))
    if not cairns:
        cairns = [("cairn", harness.cairn_bin())]

    for tool in ("dnsperf", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (apt-get install dnsperf util-linux)")
    ncpu = os.cpu_count() or 1
    args.server_cpu, args.client_cpu = (1, 0) if ncpu >= 2 else (0, 0)
    if ncpu < 2:
        print("warning: one core: server and dnsperf share it", file=sys.stderr)

    info = generate(args.out, args.records, args.queries, seed=1)
    zone_file, queries = info["zone"], info["queries"]
    print(f"zone: {info['records']} records in {zone_file}; queries: {queries}")
    work = Path(tempfile.mkdtemp(prefix="bench-dns-"))
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": f"{platform.node()} {platform.machine()} {ncpu} cores "
                   f"{platform.processor() or _cpu_model()}",
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    servers = []
    runs: dict[str, list[dict]] = {}
    try:
        for round_no in range(args.rounds):
            if args.only in (None, "knot"):
                t = time.monotonic()
                knot = harness.start_knot({ZONE: zone_file}, workdir=work / f"knot{round_no}",
                                          workers=1, cpu=args.server_cpu, timeout=120)
                servers.append(knot)
                print(f"knot {_version(['knotd', '--version'])}: serving after "
                      f"{time.monotonic() - t:.1f}s (pid {knot.pid}, core {args.server_cpu})")
                runs.setdefault("knot", []).append(measure(knot, queries, args))
                knot.stop()
            if args.only in (None, "cairn"):
                for name, binary in cairns:
                    os.environ["CAIRN_BIN"] = str(binary)
                    data = work / f"{name.replace(':', '-')}{round_no}" / "data"
                    t = time.monotonic()
                    harness.import_zone(data, zone_file, ZONE, timeout=600)
                    import_s = time.monotonic() - t
                    t = time.monotonic()
                    cairn = harness.start_cairn(data, workers=1, cpu=args.server_cpu, timeout=120)
                    servers.append(cairn)
                    harness.wait_answers(cairn.addr, ZONE, 120, cairn.proc)
                    print(f"{name} ({binary}): import {import_s:.1f}s, serving after "
                          f"{time.monotonic() - t:.1f}s (pid {cairn.pid}, core {args.server_cpu}, "
                          "--dns-workers 1)")
                    m = measure(cairn, queries, args)
                    m["import_seconds"] = import_s
                    m["binary"] = str(binary)
                    runs.setdefault(name, []).append(m)
                    cairn.stop()
    finally:
        for s in servers:
            s.stop()
    results["servers"] = list(runs)
    for name, measured in runs.items():
        results[name] = median_of(measured)
        results[name]["rounds"] = measured
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dns_vs_knot.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _version(cmd) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().split()[-1]
    except (OSError, IndexError):
        return "?"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return ""


def median_of(runs: list[dict]) -> dict:
    """One server's figures: each number the median over its rounds (the first round's
    commands and response codes)."""
    import statistics

    def med(values):
        nums = [v for v in values if isinstance(v, (int, float))]
        return statistics.median(nums) if nums else None

    first = runs[0]
    out = {k: v for k, v in first.items() if not isinstance(v, (int, float, dict))}
    for key in ("cpu_seconds", "wall_seconds", "qps_per_core_second", "rss_kib", "hwm_kib",
                "import_seconds"):
        if key in first:
            out[key] = med(r.get(key) for r in runs)
    for part in ("throughput", "latency"):
        out[part] = dict(first[part])
        for key, value in first[part].items():
            if isinstance(value, (int, float)):
                out[part][key] = med(r[part].get(key) for r in runs)
    return out


def report(r: dict) -> None:
    rows = [
        ("QPS (dnsperf, full speed)", lambda s: s["throughput"]["qps"], "{:,.0f}"),
        ("queries completed", lambda s: s["throughput"]["completed"], "{:,}"),
        ("queries lost", lambda s: s["throughput"]["lost"], "{:,}"),
        ("server CPU-seconds", lambda s: s["cpu_seconds"], "{:.2f}"),
        ("QPS per server core-second", lambda s: s["qps_per_core_second"], "{:,.0f}"),
        (f"p50 latency ms @ {r['args']['rate']} qps", lambda s: s["latency"].get("p50_ms"), "{:.3f}"),
        (f"p99 latency ms @ {r['args']['rate']} qps", lambda s: s["latency"].get("p99_ms"), "{:.3f}"),
        (f"p99.9 latency ms @ {r['args']['rate']} qps", lambda s: s["latency"].get("p999_ms"), "{:.3f}"),
        ("lost in latency run", lambda s: s["latency"]["lost"], "{:,}"),
        ("RSS MiB (VmRSS)", lambda s: s["rss_kib"] / 1024 if s["rss_kib"] else None, "{:.1f}"),
        ("peak RSS MiB (VmHWM)", lambda s: s["hwm_kib"] / 1024 if s["hwm_kib"] else None, "{:.1f}"),
    ]
    names = r["servers"]
    cairns = [n for n in names if n != "knot"]
    ratios = [n for n in cairns if "knot" in names]
    print(f"\n{r['date']} — {r['machine']}; medians of {r['args']['rounds']} round(s)")
    header = f"{'':44}" + "".join(f"{n:>14}" for n in names) + \
        "".join(f"{n + '/knot':>18}" for n in ratios)
    print(header)
    for label, get, fmt in rows:
        vals = {n: get(r[n]) for n in names}
        line = f"{label:44}" + "".join(
            f"{fmt.format(vals[n]) if vals[n] is not None else '-':>14}" for n in names)
        base = vals.get("knot")
        for n in ratios:
            ok = isinstance(base, (int, float)) and base and isinstance(vals[n], (int, float))
            line += f"{vals[n] / base:18.2f}" if ok else f"{'-':>18}"
        print(line)
    if len(cairns) > 1:
        first = cairns[0]
        for n in cairns[1:]:
            a, b = r[first]["qps_per_core_second"], r[n]["qps_per_core_second"]
            if a and b:
                print(f"{n} / {first}: QPS per server core-second {b / a:.3f}")
    for n in names:
        print(f"{n} rcodes (throughput run): {r[n]['throughput']['rcodes']}")
        print(f"{n} commands:\n  {r[n]['throughput']['command']}\n  {r[n]['latency']['command']}")
    def mix(s):
        rc = s["throughput"]["rcodes"]
        tot = sum(rc.values()) or 1
        return {k: v / tot for k, v in rc.items()}
    for n in names[1:]:
        mk, mc = mix(r[names[0]]), mix(r[n])
        worst = max(abs(mk.get(k, 0) - mc.get(k, 0)) for k in set(mk) | set(mc))
        if worst > 0.01:
            print(f"WARNING: response-code mix differs between {names[0]} and {n} (by {worst:.1%}): "
                  "the servers did not answer the same queries the same way")


if __name__ == "__main__":
    sys.exit(main())
