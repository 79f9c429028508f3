#!/usr/bin/env python3
"""Soak test (issue 7): a bounded mixed load against one `cairn serve`, watching memory.

    .venv/bin/python bench/soak.py --duration 300          # 5 minutes (default)
    .venv/bin/python bench/soak.py --duration 60 --qps 2000

For --duration seconds, at the same time:
  * DNS: dnsperf at --qps over UDP (a Python sender when dnsperf is missing) asking a mix of
    existing names, names the API keeps changing, NXDOMAINs and an out-of-zone name;
  * a checker asks over UDP and TCP, several times a second, and verifies each answer;
  * API: boto3 streams change batches (UPSERT then DELETE over a rotating set of 200 names,
    so the zone stays the same size) and reads each change back with GetChange;
  * every --sample seconds the server's RSS (VmRSS) is recorded.

Passes (exit 0) when there were no API errors, no wrong DNS answers, no lost queries, and
memory is flat: after the first fifth (warm-up), the largest RSS is at most
max(10 %, 8 MiB) above the warm-up's largest. Prints a JSON summary; --out writes it too.
Everything is bounded: the run stops at --duration, and the server is ours and stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import dns.message  # noqa: E402
import dns.rcode  # noqa: E402

import harness  # noqa: E402

ZONE = "soak.example"
ROTATING = 200


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def zone_text(static: int) -> str:
    lines = [f"$ORIGIN {ZONE}.", "$TTL 300",
             f"@ 3600 IN SOA ns1.{ZONE}. hostmaster.{ZONE}. 1 7200 900 1209600 300",
             f"@ IN NS ns1.{ZONE}.", "ns1 IN A 192.0.2.53"]
    lines += [f"h{i} IN A 10.0.{i // 256}.{i % 256}" for i in range(static)]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=300)
    ap.add_argument("--qps", type=int, default=3000, help="dnsperf target rate")
    ap.add_argument("--sample", type=float, default=5)
    ap.add_argument("--static-records", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1, help="--dns-workers of the server")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cairn-soak-"))
    data = work / "data"
    zf = work / "soak.zone"
    zf.write_text(zone_text(args.static_records))
    harness.import_zone(data, zf, ZONE)
    srv = harness.start_cairn(data, workers=args.workers)
    harness.wait_answers(srv.addr, ZONE, 10, srv.proc)
    stop = threading.Event()
    stats = {"api_changes": 0, "api_errors": 0, "api_error_samples": [], "dns_checks": 0,
             "dns_wrong": 0, "dns_wrong_samples": [], "rss_kib": []}
    lock = threading.Lock()

    def fail(kind: str, what: str):
        with lock:
            stats[kind] += 1
            if len(stats[kind + "_samples"]) < 5:
                stats[kind + "_samples"].append(what)

    # --- API: change batches over a rotating set of names.
    import boto3
    from botocore.config import Config

    r53 = boto3.client("route53", endpoint_url=f"http://{srv.api[0]}:{srv.api[1]}", region_name="us-east-1",
                       aws_access_key_id=harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
                       aws_secret_access_key=harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"],
                       config=Config(retries={"max_attempts": 1}))
    zone_id = next(z["Id"] for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == ZONE + ".")
    present: dict[int, str] = {}  # rotating name -> value the API acknowledged

    def api_loop():
        i = 0
        while not stop.is_set():
            n = i % ROTATING
            with lock:
                # A name is forgotten before its DELETE is sent, so the checker never expects it
                # while the delete may be applied.
                deleting = n in present
                value = present.pop(n, f"192.0.2.{i % 250 + 1}")
            try:
                info = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
                    "Action": "DELETE" if deleting else "UPSERT",
                    "ResourceRecordSet": {"Name": f"r{n}.{ZONE}", "Type": "A", "TTL": 60,
                                          "ResourceRecords": [{"Value": value}]}}]})["ChangeInfo"]
                deadline = time.monotonic() + 5
                while r53.get_change(Id=info["Id"])["ChangeInfo"]["Status"] != "INSYNC":
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"change {info['Id']} not INSYNC in 5 s")
                    time.sleep(0.01)
                with lock:
                    if not deleting:
                        present[n] = value
                    stats["api_changes"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                fail("api_errors", repr(e)[:300])
            i += 1
            time.sleep(0.02)

    # --- DNS checker: answers must match what the API acknowledged (after INSYNC).
    def check_loop():
        i = 0
        while not stop.is_set():
            i += 1
            tcp = i % 5 == 0
            try:
                h = i % args.static_records
                r = harness.query(srv.addr, f"h{h}.{ZONE}.", "A", tcp=tcp)
                got = [rr.to_text() for rrset in r.answer for rr in rrset]
                if got != [f"10.0.{h // 256}.{h % 256}"]:
                    fail("dns_wrong", f"h{h}: {got}")
                r = harness.query(srv.addr, f"nx{i}.{ZONE}.", "A", tcp=tcp)
                if r.rcode() != dns.rcode.NXDOMAIN:
                    fail("dns_wrong", f"nx{i}: {dns.rcode.to_text(r.rcode())}")
                with lock:
                    n, value = next(iter(present.items()), (None, None))
                if n is not None:
                    r = harness.query(srv.addr, f"r{n}.{ZONE}.", "A", tcp=tcp)
                    with lock:
                        still = present.get(n) == value
                    got = [rr.to_text() for rrset in r.answer for rr in rrset]
                    # INSYNC before it was listed, and still listed after the answer: it must be served.
                    if still and got != [value]:
                        fail("dns_wrong", f"r{n}: {got} != {value}")
                with lock:
                    stats["dns_checks"] += 1
            except (OSError, dns.exception.DNSException) as e:
                fail("dns_wrong", repr(e)[:200])
            time.sleep(0.1)

    # --- DNS load.
    qfile = work / "queries.txt"
    with qfile.open("w") as f:
        for i in range(0, args.static_records, 3):
            f.write(f"h{i}.{ZONE} A\n")
        for i in range(ROTATING):
            f.write(f"r{i}.{ZONE} A\n")
        for i in range(200):
            f.write(f"missing{i}.{ZONE} A\n{ZONE} SOA\n{ZONE} NS\nwww.not-hosted.example AAAA\n")
    dnsperf = shutil.which("dnsperf")
    perf_out = work / "dnsperf.txt"
    perf = None
    py_sent = [0, 0]
    if dnsperf:
        host, port = srv.addr
        perf = subprocess.Popen([dnsperf, "-s", host, "-p", str(port), "-d", str(qfile), "-l",
                                 str(int(args.duration)), "-Q", str(args.qps), "-c", "4", "-t", "2"],
                                stdout=perf_out.open("w"), stderr=subprocess.STDOUT)
    else:
        def py_load():
            names = [ln.split() for ln in qfile.read_text().splitlines()]
            wires = [harness.make_query(n + ".", t, qid=k % 65536) for k, (n, t) in enumerate(names)]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(1)
                k = 0
                while not stop.is_set():
                    s.sendto(wires[k % len(wires)], srv.addr)
                    py_sent[0] += 1
                    try:
                        s.recvfrom(65535)
                        py_sent[1] += 1
                    except socket.timeout:
                        pass
                    k += 1
        threading.Thread(target=py_load, daemon=True).start()

    threads = [threading.Thread(target=api_loop, daemon=True), threading.Thread(target=check_loop, daemon=True)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < args.duration:
            if srv.proc.poll() is not None:
                break
            stats["rss_kib"].append((round(time.monotonic() - t0, 1), rss_kib(srv.pid)))
            time.sleep(args.sample)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        alive = srv.proc.poll() is None
        if perf is not None:
            try:
                perf.wait(30)
            except subprocess.TimeoutExpired:
                perf.kill()
        final_rss = rss_kib(srv.pid) if alive else 0
        srv.stop()

    summary: dict = {
        "command": " ".join(["bench/soak.py"] + sys.argv[1:]),
        "duration_s": round(time.monotonic() - t0, 1),
        "server_alive_at_end": alive,
        "api_changes": stats["api_changes"], "api_errors": stats["api_errors"],
        "api_error_samples": stats["api_error_samples"],
        "dns_checks": stats["dns_checks"], "dns_wrong": stats["dns_wrong"],
        "dns_wrong_samples": stats["dns_wrong_samples"],
        "rss_kib_samples": stats["rss_kib"], "rss_kib_final": final_rss,
    }
    if perf is not None:
        text = perf_out.read_text()
        summary["dnsperf"] = {k: line.strip() for line in text.splitlines()
                              for k in ("Queries sent", "Queries completed", "Queries lost", "Queries per second")
                              if line.strip().startswith(k)}
        lost_line = summary["dnsperf"].get("Queries lost", "Queries lost: 0 (0.00%)")
        summary["dns_lost"] = int(lost_line.split(":")[1].split()[0])
    else:
        summary["python_load"] = {"sent": py_sent[0], "answered": py_sent[1]}
        summary["dns_lost"] = py_sent[0] - py_sent[1]

    rss = [r for _, r in stats["rss_kib"]]
    warm = max(1, len(rss) // 5)
    base = max(rss[:warm]) if rss else 0
    peak_after = max(rss[warm:]) if len(rss) > warm else base
    allowed = max(base * 0.10, 8 * 1024)
    summary.update({"rss_mib_start": round(rss[0] / 1024, 1) if rss else None,
                    "rss_mib_warm": round(base / 1024, 1), "rss_mib_peak_after_warmup": round(peak_after / 1024, 1),
                    "rss_mib_end": round(final_rss / 1024, 1), "memory_flat": peak_after - base <= allowed})
    ok = (alive and stats["api_errors"] == 0 and stats["dns_wrong"] == 0 and summary["dns_lost"] == 0
          and summary["memory_flat"] and stats["api_changes"] > 0)
    summary["passed"] = ok
    out = json.dumps(summary, indent=2)
    print(out)
    if args.out:
        args.out.write_text(out + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
