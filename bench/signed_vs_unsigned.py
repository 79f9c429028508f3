#!/usr/bin/env python3
"""Signed answers against unsigned ones, end to end under dnsperf (issue 18's "signed answers
from the signature cache: at least 0.8x unsigned queries per core").

    bench/signed_vs_unsigned.py [--records 20000] [--queries 40000] [--duration 5]
                                [--lat-duration 3] [--rate 20000] [--rounds 1] [--no-knot]

One Cairn process (`$CAIRN_BIN` or target/release/cairn, --dns-workers 1, pinned to core 1;
dnsperf on core 0) serves bench/gen_zone.py's zone, first unsigned, then signed: a KMS key
(ECC_NIST_P256), an ACTIVE key-signing key and EnableHostedZoneDNSSEC through the API, as
tests/e2e/test_dnssec_api.py does, then the script waits until a DO query gets an RRSIG.
Every dnsperf run sets DO (`-D`), so the only difference is the signing. Knot (one worker)
serves the same zone unsigned and then signed (`dnssec-signing: on`, its default policy:
ECDSA P-256, NSEC) as the named peer.

Before each measurement one full pass over the query file (`dnsperf -n 1`) fills the caches:
the target is about answers served from the signature cache, and the first DO answer for a
name is signed then (about 30 us per RRSIG). Keep the number of distinct questions below
Cairn's kept signed answers (16 shards x 4,096), hence the smaller default zone than
dns_vs_knot.py's. Then, as dns_vs_knot.py measures: throughput at full speed (-c 4 -q 200),
QPS per server core-second (completed / the server's CPU-seconds), p50/p99 at --rate.
Results go to bench/out/signed_vs_unsigned.json; the signed/unsigned ratios are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))

import harness  # noqa: E402
from dns_vs_knot import cpu_seconds, dnsperf, mem_kib  # noqa: E402
from gen_zone import ZONE, generate  # noqa: E402


def measure(addr, pid: int, queries: Path, args) -> dict:
    """A warm pass, then throughput and latency, every query with DO=1."""
    warm = dnsperf(addr, queries, duration=600, cpu=args.client_cpu,
                   extra=["-D", "-n", "1", "-c", "4", "-q", "200"])
    c0 = cpu_seconds(pid)
    thr = dnsperf(addr, queries, duration=args.duration, cpu=args.client_cpu,
                  extra=["-D", "-c", "4", "-q", "200"])
    cpu = cpu_seconds(pid) - c0
    lat = dnsperf(addr, queries, duration=args.lat_duration, cpu=args.client_cpu,
                  extra=["-D", "-Q", str(args.rate), "-c", "4"], verbose=True)
    return {
        "warm_qps": warm["qps"],
        "qps": thr["qps"],
        "completed": thr["completed"],
        "lost": thr["lost"],
        "rcodes": thr["rcodes"],
        "cpu_seconds": cpu,
        "qps_per_core_second": (thr["completed"] or 0) / cpu if cpu > 0 else None,
        "p50_ms": lat.get("p50_ms"),
        "p99_ms": lat.get("p99_ms"),
        "rss_mib": mem_kib(pid).get("VmRSS", 0) / 1024,
        "command": thr["command"],
    }


def wait_signed(addr, timeout: float = 60.0) -> None:
    """Until the apex SOA comes back with its RRSIG to a DO query."""
    import dns.rdatatype

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = harness.query(addr, ZONE, "SOA", edns=0, edns_flags=0x8000)  # DO
        if any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in r.answer):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{ZONE} not signed within {timeout}s")


def sign_in_cairn(srv) -> None:
    """KMS key, ACTIVE KSK, EnableHostedZoneDNSSEC: what a Route 53 user does."""
    r53 = harness.route53_client(srv)
    kms = harness.route53_client(srv, "kms")
    zones = r53.list_hosted_zones()["HostedZones"]
    [zone_id] = [z["Id"] for z in zones if z["Name"] == ZONE]
    arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    r53.create_key_signing_key(CallerReference=uuid.uuid4().hex, HostedZoneId=zone_id,
                               KeyManagementServiceArn=arn, Name="bench_ksk", Status="ACTIVE")
    r53.enable_hosted_zone_dnssec(HostedZoneId=zone_id)


def cairn_round(zone_file: Path, queries: Path, work: Path, args) -> dict:
    data = work / "cairn" / "data"
    harness.import_zone(data, zone_file, ZONE, timeout=600)
    srv = harness.start_cairn(data, workers=1, cpu=args.server_cpu, timeout=120)
    try:
        addr = srv.addr
        harness.wait_answers(addr, ZONE, 120, srv.proc)
        unsigned = measure(addr, srv.pid, queries, args)
        sign_in_cairn(srv)
        wait_signed(addr)
        signed = measure(addr, srv.pid, queries, args)
    finally:
        srv.stop()
    return {"unsigned": unsigned, "signed": signed}


def knot_round(zone_file: Path, queries: Path, work: Path, args) -> dict:
    out = {}
    for mode, options in (("unsigned", ""), ("signed", "dnssec-signing: on")):
        srv = harness.start_knot({ZONE: zone_file}, workdir=work / f"knot-{mode}", workers=1,
                                 cpu=args.server_cpu, timeout=300,
                                 zone_options={ZONE: options})
        try:
            if options:
                wait_signed(srv.addr, timeout=300)
            out[mode] = measure(srv.addr, srv.pid, queries, args)
        finally:
            srv.stop()
    return out


def median(rounds: list[dict], server: str, mode: str, key: str):
    values = [r[server][mode][key] for r in rounds if r[server][mode].get(key) is not None]
    return statistics.median(values) if values else None


def report(rounds: list[dict], servers: list[str]) -> None:
    rows = [("QPS (dnsperf -D, full speed)", "qps", "{:,.0f}"),
            ("QPS per server core-second", "qps_per_core_second", "{:,.0f}"),
            ("p50 ms @ rate", "p50_ms", "{:.3f}"),
            ("p99 ms @ rate", "p99_ms", "{:.3f}"),
            ("warm pass QPS (first DO answers)", "warm_qps", "{:,.0f}"),
            ("RSS MiB", "rss_mib", "{:.1f}")]
    print(f"\nmedians of {len(rounds)} round(s)")
    print(f"{'':36}" + "".join(f"{s + ' ' + m:>20}" for s in servers
                                 for m in ("unsigned", "signed")) + "".join(
        f"{s + ' signed/unsigned':>26}" for s in servers))
    for label, key, fmt in rows:
        line = f"{label:36}"
        for s in servers:
            for m in ("unsigned", "signed"):
                v = median(rounds, s, m, key)
                line += f"{fmt.format(v) if v is not None else '-':>20}"
        for s in servers:
            a, b = median(rounds, s, "unsigned", key), median(rounds, s, "signed", key)
            line += f"{b / a:26.2f}" if a and b else f"{'-':>26}"
        print(line)
    for i, r in enumerate(rounds):
        for s in servers:
            u, g = r[s]["unsigned"], r[s]["signed"]
            print(f"round {i + 1} {s}: QPS per core-second unsigned {u['qps_per_core_second']:,.0f}"
                  f", signed {g['qps_per_core_second']:,.0f}, ratio "
                  f"{g['qps_per_core_second'] / u['qps_per_core_second']:.2f}; rcodes "
                  f"{u['rcodes']} / {g['rcodes']}")
    print("command:", rounds[0][servers[0]]["signed"]["command"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=40_000)
    p.add_argument("--duration", type=float, default=5)
    p.add_argument("--lat-duration", type=float, default=3)
    p.add_argument("--rate", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--no-knot", action="store_true", help="measure Cairn only")
    p.add_argument("--out", type=Path, default=HERE / "out")
    args = p.parse_args()
    for tool in ("dnsperf", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (apt-get install dnsperf util-linux)")
    ncpu = os.cpu_count() or 1
    args.server_cpu, args.client_cpu = (1, 0) if ncpu >= 2 else (0, 0)

    info = generate(args.out / "signed", args.records, args.queries, seed=1)
    zone_file, queries = info["zone"], info["queries"]
    print(f"zone: {info['records']} records; queries: {queries}; binary {harness.cairn_bin()}")
    servers = ["cairn"] + ([] if args.no_knot else ["knot"])
    rounds = []
    for n in range(args.rounds):
        work = Path(tempfile.mkdtemp(prefix="bench-signed-"))
        try:
            r = {"cairn": cairn_round(zone_file, queries, work, args)}
            if not args.no_knot:
                r["knot"] = knot_round(zone_file, queries, work, args)
            rounds.append(r)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    report(rounds, servers)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load": os.getloadavg(),
              "args": {k: str(v) for k, v in vars(args).items()}, "rounds": rounds}
    (args.out / "signed_vs_unsigned.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
