#!/usr/bin/env python3
"""Authoritative DNS throughput and latency: Cairn against Knot DNS, same zone, same run.

    bench/dns_vs_knot.py [--duration 10] [--rate 20000] [--lat-duration 5] [--records 100000]

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
    args = p.parse_args()

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
    try:
        if args.only in (None, "knot"):
            t = time.monotonic()
            knot = harness.start_knot({ZONE: zone_file}, workdir=work / "knot", workers=1,
                                      cpu=args.server_cpu, timeout=120)
            servers.append(knot)
            print(f"knot {_version(['knotd', '--version'])}: serving after {time.monotonic() - t:.1f}s "
                  f"(pid {knot.pid}, core {args.server_cpu})")
            results["knot"] = measure(knot, queries, args)
            knot.stop()
        if args.only in (None, "cairn"):
            data = work / "cairn" / "data"
            t = time.monotonic()
            harness.import_zone(data, zone_file, ZONE, timeout=600)
            import_s = time.monotonic() - t
            t = time.monotonic()
            cairn = harness.start_cairn(data, workers=1, cpu=args.server_cpu, timeout=120)
            servers.append(cairn)
            harness.wait_answers(cairn.addr, ZONE, 120, cairn.proc)
            print(f"cairn: import {import_s:.1f}s, serving after {time.monotonic() - t:.1f}s "
                  f"(pid {cairn.pid}, core {args.server_cpu}, --dns-workers 1)")
            results["cairn"] = measure(cairn, queries, args)
            results["cairn"]["import_seconds"] = import_s
            cairn.stop()
    finally:
        for s in servers:
            s.stop()
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
    names = [n for n in ("knot", "cairn") if n in r]
    print(f"\n{r['date']} — {r['machine']}")
    header = f"{'':44}" + "".join(f"{n:>14}" for n in names) + ("   cairn/knot" if len(names) == 2 else "")
    print(header)
    for label, get, fmt in rows:
        vals = [get(r[n]) for n in names]
        line = f"{label:44}" + "".join(f"{fmt.format(v) if v is not None else '-':>14}" for v in vals)
        if len(vals) == 2 and all(isinstance(v, (int, float)) and v for v in vals):
            line += f"   {vals[1] / vals[0]:10.2f}"
        print(line)
    for n in names:
        print(f"{n} rcodes (throughput run): {r[n]['throughput']['rcodes']}")
        print(f"{n} commands:\n  {r[n]['throughput']['command']}\n  {r[n]['latency']['command']}")
    if len(names) == 2:
        def mix(s):
            rc = s["throughput"]["rcodes"]
            tot = sum(rc.values()) or 1
            return {k: v / tot for k, v in rc.items()}
        mk, mc = mix(r["knot"]), mix(r["cairn"])
        worst = max(abs(mk.get(k, 0) - mc.get(k, 0)) for k in set(mk) | set(mc))
        if worst > 0.01:
            print(f"WARNING: response-code mix differs between servers (by {worst:.1%}): "
                  "the servers did not answer the same queries the same way")


if __name__ == "__main__":
    sys.exit(main())
